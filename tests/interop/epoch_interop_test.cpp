// The per-epoch data key read by an independent implementation: copies sealed the way the
// gateway's seal step does (EpochKeyCache::key_for, then one encryptor per copy) at times
// inside one epoch and after its boundary, signed and written as inbox items;
// tests/interop/epoch_fields.py (PyNaCl, from docs/field-encryption.md alone) opens them with
// a cache of unwrapped keys, sees the wrapped key repeat within the epoch and change after
// it, and refuses a field moved between two copies that share a key.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "accord/core/time_format.hpp"
#include "accord/crypto/delivered_message.hpp"
#include "accord/crypto/epoch_keys.hpp"
#include "accord/crypto/field_encryption.hpp"
#include "accord/crypto/key_files.hpp"
#include "accord/crypto/signature.hpp"
#include "accord/testing/temp_dir.hpp"

namespace accord::crypto {
namespace {

using nlohmann::json;

constexpr std::int64_t kEpochSeconds = 60;
constexpr std::int64_t kEpochStartMs = 1'795'339'800'000;  // a multiple of 60 s

int run(const std::string& command, std::string& out) {
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  std::array<char, 4096> buffer;
  while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), p))
    out.append(buffer.data(), n);
  const int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string script() {
  const char* dir = std::getenv("ACCORD_SOURCE_DIR");
  return std::string(dir != nullptr ? dir : ACCORD_SOURCE_DIR_FALLBACK) +
         "/tests/interop/epoch_fields.py";
}

std::string referral(const std::string& id) {
  return R"({"id":")" + id + R"(","type":"referral.created",
    "case":{"urn":"01AB1234521","owner":"police.met"},"subject":{"role":"victim","ref":"V-7F3A"},
    "occurred_at":"2026-11-20T09:30:00Z","classification":"OFFICIAL-SENSITIVE",
    "data":{"victim":{"contact":{"phone":"07700 900123","email":"r@example.org",
      "safe_times":["Mon-Fri 10:00-12:00"]}},"offence":{"category":"burglary"}}})";
}

class EpochInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = generate_agency_key("provider.lvws", kEpochStartMs - 86'400'000);
    ASSERT_TRUE(key.ok());
    key_ = *key;
    ASSERT_TRUE(
        write_new_file(dir_.file("recipient.secret.json"), secret_key_file_text(key_), 0600).ok());
    auto signer = GatewaySigner::load_or_create(dir_.file("gateway-signing.json"), kEpochStartMs);
    ASSERT_TRUE(signer.ok());
    signer_.emplace(*signer);
    ASSERT_TRUE(write_new_file(dir_.file("gateway-key.json"),
                               gateway_public_key_json(signer->public_key()), 0644)
                    .ok());
  }

  // Seals and signs one copy received at `at_ms`; returns its inbox item.
  json seal_copy(const std::string& id, std::int64_t at_ms, json& expected) {
    auto e = decode_delivered(referral(id));
    EXPECT_TRUE(e.ok());
    auto data_key = cache_.key_for(key_.pub, at_ms);
    EXPECT_TRUE(data_key.ok());
    auto enc = make_field_encryptor(data_key.value(), {id, "police.met", "provider.lvws"});
    EXPECT_TRUE(enc.ok());
    envelope::Envelope copy = *e;
    expected = json::object();
    for (auto& f : copy.data) {
      if (f.path.rfind("victim.contact.", 0) != 0) continue;
      expected["data." + f.path] = json::parse(f.json);
      auto value = (*enc)(f);
      EXPECT_TRUE(value.ok());
      f.json = *value;
    }
    const DeliveryInfo info{"police.met", "provider.lvws", id, format_time_ms(at_ms)};
    return json::parse(make_inbox_item(info, "1", copy, signer_->sign_delivery(info, copy)));
  }

  void write(const std::vector<json>& items, const std::vector<json>& expected) {
    std::string messages, wants;
    for (const auto& item : items) messages += item.dump() + "\n";
    for (const auto& want : expected) wants += want.dump() + "\n";
    std::remove(dir_.file("messages.jsonl").c_str());
    std::remove(dir_.file("expected.jsonl").c_str());
    ASSERT_TRUE(write_new_file(dir_.file("messages.jsonl"), messages, 0644).ok());
    ASSERT_TRUE(write_new_file(dir_.file("expected.jsonl"), wants, 0644).ok());
  }

  testing::TempDir dir_{"accord-epoch-interop-"};
  std::optional<GatewaySigner> signer_;
  AgencySecretKey key_;
  EpochKeyCache cache_{kEpochSeconds};
};

TEST_F(EpochInterop, PyNaClSeesTheWrappedKeyRepeatWithinAnEpochAndChangeAfterIt) {
  std::vector<json> items, expected;
  for (const auto& [id, at] : std::vector<std::pair<std::string, std::int64_t>>{
           {"e-1", kEpochStartMs},
           {"e-2", kEpochStartMs + 1'000},
           {"e-3", kEpochStartMs + kEpochSeconds * 1000 - 1},
           {"e-4", kEpochStartMs + kEpochSeconds * 1000},
           {"e-5", kEpochStartMs + kEpochSeconds * 1000 + 5'000}}) {
    json want;
    items.push_back(seal_copy(id, at, want));
    expected.push_back(want);
  }
  write(items, expected);
  std::string out;
  const std::string command =
      "/usr/bin/python3 " + script() + " " + dir_.path() + " " + std::to_string(kEpochSeconds);
  EXPECT_EQ(run(command, out), 0) << out;
  EXPECT_EQ(out, "OK 5 items 2 unwraps\n");

  // The script's epoch check can fail: told that epochs are one second long, it sees e-1..e-3
  // (one key) spread over several epochs, which must not share a wrapped key.
  std::string wrong;
  EXPECT_EQ(run("/usr/bin/python3 " + script() + " " + dir_.path() + " 1", wrong), 1) << wrong;
  EXPECT_EQ(wrong.rfind("FAILED", 0), 0u) << wrong;
}

}  // namespace
}  // namespace accord::crypto
