// Writes a signed copy with encrypted fields, as the gateway delivers it, plus the recipient's
// secret key and the gateway's public key, then has two independent readers open it:
// tests/interop/open_fields.py (PyNaCl, from the doc alone) and `accord decrypt`.
// data.figures holds the number vectors of docs/field-encryption.md §4.2 (large, small,
// negative zero, exponent forms): the PyNaCl reader rebuilds the signed bytes with Python's
// json module, so a number the gateway writes in any other form fails its verification.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>

#include "accord/crypto/delivered_message.hpp"
#include "accord/crypto/field_encryption.hpp"
#include "accord/crypto/key_files.hpp"
#include "accord/crypto/signature.hpp"
#include "accord/crypto/status_notice.hpp"
#include "accord/envelope/codec.hpp"
#include "accord/testing/temp_dir.hpp"

namespace accord::crypto {
namespace {

using nlohmann::json;

constexpr std::int64_t kNowMs = 1795339800123;

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : fallback;
}

struct Outcome {
  int code = -1;
  std::string out;
};

Outcome run(const std::string& command) {
  Outcome r;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buffer;
  while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), p))
    r.out.append(buffer.data(), n);
  const int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class Interop : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = generate_agency_key("provider.lvws", kNowMs);
    ASSERT_TRUE(key.ok());
    key_ = *key;
    ASSERT_TRUE(
        write_new_file(dir_.file("recipient.secret.json"), secret_key_file_text(key_), 0600).ok());
    auto signer = GatewaySigner::load_or_create(dir_.file("gateway-signing.json"), kNowMs);
    ASSERT_TRUE(signer.ok());
    signer_.emplace(*signer);
    ASSERT_TRUE(write_new_file(dir_.file("gateway-key.json"),
                               gateway_public_key_json(signer->public_key()), 0644)
                    .ok());

    original_ = envelope_json_;
    auto e = decode_delivered(envelope_json_);
    ASSERT_TRUE(e.ok()) << e.error().message;
    auto enc = make_field_encryptor(key_.pub, FieldContext{e->id, "police.met", "provider.lvws"});
    ASSERT_TRUE(enc.ok());
    envelope::Envelope copy = *e;
    json expected = json::object();
    for (auto& f : copy.data) {
      if (f.path.rfind("victim.", 0) != 0) continue;
      expected["data." + f.path] = json::parse(f.json);
      auto value = (*enc)(f);
      ASSERT_TRUE(value.ok());
      f.json = *value;
    }
    ASSERT_EQ(expected.size(), 6u);
    const DeliveryInfo info{"police.met", "provider.lvws", e->id, "2026-11-22T09:30:00.123Z"};
    item_ = make_inbox_item(info, "42", copy, signer->sign_delivery(info, copy));
    ASSERT_TRUE(write_new_file(dir_.file("message.json"), item_ + "\n", 0644).ok());
    ASSERT_TRUE(write_new_file(dir_.file("expected.json"), expected.dump(), 0644).ok());
    decoded_ = *e;
  }

  testing::TempDir dir_{"accord-interop-"};
  std::optional<GatewaySigner> signer_;
  AgencySecretKey key_;
  std::string item_;
  std::string original_;
  envelope::Envelope decoded_;
  const std::string envelope_json_ = R"({"id":"msg-interop-1","type":"referral.created",
    "case":{"urn":"01AB1234521","owner":"police.met"},"subject":{"role":"victim","ref":"V-7F3A"},
    "occurred_at":"2026-11-20T09:30:00Z","classification":"OFFICIAL-SENSITIVE",
    "data":{"victim":{"contact":{"phone":"07700 900123","phone-2":"07700 900456",
      "safe_times":["Mon-Fri 10:00-12:00"]},"needs":{"health":"Type 1 diabetes; caf\u00e9 \"ok\""},
      "age":38,"vulnerable":true},"offence":{"category":"burglary"},
      "consent":{"referral":"explicit"},
      "figures":{"large":1e15,"large_upper":1E+15,"two_pow_53":9.007199254740992e+15,
        "below_1e16":9999999999999998.0,"e16":1e16,"shortest":2.3480720574906368e+16,
        "max":1.7976931348623157e308,"small":1E-7,"small_plain":0.0001,"small_e5":0.00001,
        "subnormal":5e-324,"negative_zero":-0.0,"negative_zero_exp":-0e0,
        "negative_zero_integer":-0,"exponent_whole":1E2,"exponent_negative":123e-2,
        "uint64_max":18446744073709551615,"int64_min":-9223372036854775808,
        "list":[1e15,-0.0,1e-5,[{"k":9.007199254740992e+15}]]}}})";
};

TEST_F(Interop, PyNaClReadsWhatTheDocDescribes) {
  const std::string script =
      env_or("ACCORD_SOURCE_DIR", ACCORD_SOURCE_DIR_FALLBACK) + "/tests/interop/open_fields.py";
  const Outcome r = run("/usr/bin/python3 " + script + " " + dir_.path());
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out, "OK 6 fields\n");
  // Delivered as the canonical text of docs/envelope.md §3, not as the sender wrote them.
  for (const char* text : {R"("large":1000000000000000.0)", R"("two_pow_53":9007199254740992.0)",
                           R"("shortest":2.348072057490637e+16)", R"("negative_zero":-0.0)",
                           R"("negative_zero_integer":0)", R"("small":1e-07)"}) {
    EXPECT_NE(item_.find(text), std::string::npos) << text;
  }

  // The script's own check can fail: a copy signed for another recipient is refused.
  json item = json::parse(item_);
  item["recipient"] = "provider.other";
  ASSERT_EQ(std::remove(dir_.file("message.json").c_str()), 0);
  ASSERT_TRUE(write_new_file(dir_.file("message.json"), item.dump(), 0644).ok());
  const Outcome bad = run("/usr/bin/python3 " + script + " " + dir_.path());
  EXPECT_EQ(bad.code, 1) << bad.out;
  EXPECT_EQ(bad.out.rfind("FAILED", 0), 0u) << bad.out;
}

// docs/receipts.md "Status notices": a PyNaCl reader verifies a notice the gateway signed,
// checks the doc's vector, and refuses the notice once altered.
TEST_F(Interop, PyNaClVerifiesAStatusNotice) {
  const std::string script = env_or("ACCORD_SOURCE_DIR", ACCORD_SOURCE_DIR_FALLBACK) +
                             "/tests/interop/verify_status_notice.py";
  const std::string status =
      R"({"message_id":"msg-interop-1","sender":"police.met","type":"referral.created",)"
      R"("case_urn":"01AB1234521","received_at":"2026-11-22T09:30:00.123Z","complete":true,)"
      R"("recipients":[{"recipient":"provider.lvws","state":"acknowledged","delivery_id":"42",)"
      R"("attempts":1,"acknowledged_at":"2026-11-22T09:31:00.000Z","receipt_required":false}]})";
  const DeliveryInfo info{"gateway.status", "police.met", "status-3", "2026-11-22T09:31:00.500Z"};
  const std::string document = status_notice_document(status, {"acknowledged", "", 0},
                                                      signer_->sign_status_notice(info, status));
  json item = {{"delivery_id", "77"},
               {"sender", info.sender},
               {"recipient", info.recipient},
               {"message_id", info.message_id},
               {"type", "accord.delivery_status"},
               {"case_urn", "01AB1234521"},
               {"received_at", info.received_at},
               {"attempts", 1},
               {"lease_expires_at", "2026-11-22T09:31:30.500Z"}};
  const json members = json::parse(document);
  for (const auto& [k, v] : members.items()) item[k] = v;
  ASSERT_TRUE(write_new_file(dir_.file("notice.json"), item.dump(), 0644).ok());
  const std::string args = " " + dir_.file("notice.json") + " " + dir_.file("gateway-key.json");
  const Outcome ok = run("/usr/bin/python3 " + script + args);
  EXPECT_EQ(ok.code, 0) << ok.out;
  EXPECT_EQ(ok.out, "OK\n");

  item["status"] = std::string(status).replace(status.find("true"), 4, "false");
  ASSERT_EQ(std::remove(dir_.file("notice.json").c_str()), 0);
  ASSERT_TRUE(write_new_file(dir_.file("notice.json"), item.dump(), 0644).ok());
  const Outcome bad = run("/usr/bin/python3 " + script + args);
  EXPECT_EQ(bad.code, 1) << bad.out;
  EXPECT_EQ(bad.out, "FAIL: the gateway signature does not verify\n");
}

TEST_F(Interop, AccordDecryptCommand) {
  const std::string accord =
      env_or("ACCORD_BINARY_DIR", ACCORD_BINARY_DIR_FALLBACK) + "/tools/accord/accord";
  const std::string args = " --key " + dir_.file("recipient.secret.json") + " --gateway-key " +
                           dir_.file("gateway-key.json") + " ";
  const Outcome ok = run(accord + " decrypt" + args + dir_.file("message.json"));
  ASSERT_EQ(ok.code, 0) << ok.out;
  // stdout: the opened envelope; then stderr's report (run() merges them in that order).
  EXPECT_EQ(ok.out.substr(0, ok.out.find('\n') + 1), envelope::encode(decoded_) + "\n");
  EXPECT_NE(ok.out.find("gateway signature verified"), std::string::npos) << ok.out;

  struct Row {
    std::string name;
    std::string item;
    std::string extra;
    std::string message;
  };
  json tampered = json::parse(item_);
  tampered["envelope"]["data"]["offence"]["category"] = "robbery";
  json moved = json::parse(item_);
  moved["envelope"]["data"]["victim"]["contact"]["phone-2"] =
      moved["envelope"]["data"]["victim"]["contact"]["phone"];
  json unsigned_item = json::parse(item_);
  unsigned_item.erase("signature");
  const std::vector<Row> rows = {
      {"altered", tampered.dump(), "", "does not verify"},
      {"moved field, unsigned", moved.dump(), " --skip-signature", "authentication failed"},
      {"unsigned", unsigned_item.dump(), "", "no gateway signature"},
      {"not json", "{", "", "not a JSON object"},
  };
  for (const auto& row : rows) {
    const std::string file = dir_.file("row.json");
    std::remove(file.c_str());
    ASSERT_TRUE(write_new_file(file, row.item, 0644).ok());
    const Outcome r = run(accord + " decrypt" + args + row.extra + " " + file);
    EXPECT_EQ(r.code, 1) << row.name << ": " << r.out;
    EXPECT_NE(r.out.find(row.message), std::string::npos) << row.name << ": " << r.out;
  }
  // Without a gateway key the command refuses rather than silently skipping the check.
  const Outcome nokey = run(accord + " decrypt --key " + dir_.file("recipient.secret.json") + " " +
                            dir_.file("message.json"));
  EXPECT_EQ(nokey.code, 1);
  EXPECT_NE(nokey.out.find("no gateway public key"), std::string::npos) << nokey.out;
}

}  // namespace
}  // namespace accord::crypto
