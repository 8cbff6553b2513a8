// Field encryption end to end: a registered agency key, a referral whose safe-contact fields
// the agreement encrypts, the recipient opening them with its secret key after verifying the
// gateway's signature, and no plaintext of a protected field anywhere on the gateway's disk.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "accord/crypto/delivered_message.hpp"
#include "accord/crypto/key_files.hpp"
#include "accord/env/fake_env.hpp"
#include "harness.hpp"

namespace accord::test {
namespace {

using boost::beast::http::verb;
using nlohmann::json;
namespace fs = std::filesystem;

class EncryptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Each agency makes its key pair; the operator registers only the public halves.
    fs::create_directories(dir_.file("keys"));
    secret_ = make_key("provider.lvws", agency_keys_.path());
    survivors_secret_ = make_key("provider.survivors-uk", survivors_keys_.path());
    gateway_ = std::make_unique<InProcessGateway>(
        write_config(dir_, "keys: " + dir_.file("keys") + "\n"), &env_);
  }

  crypto::AgencySecretKey make_key(const std::string& agency, const std::string& secret_dir) {
    auto key = crypto::generate_agency_key(agency, 1'763'800'000'000);
    EXPECT_TRUE(key.ok()) << key.error().message;
    auto written = crypto::write_key_files(secret_dir, key.value());
    EXPECT_TRUE(written.ok()) << written.error().message;
    fs::copy_file(written->public_path,
                  dir_.file("keys/" + fs::path(written->public_path).filename().string()));
    return std::move(key.value());
  }

  // The recipient's only copy, verified and opened with its own key.
  envelope::Envelope open_only_copy(const std::string& recipient,
                                    const crypto::AgencySecretKey& secret) {
    const auto inbox = json::parse(call(recipient, verb::get, "/v1/inbox").body)["messages"];
    EXPECT_EQ(inbox.size(), 1u) << recipient;
    auto gateway_key =
        crypto::parse_gateway_public_key(call(recipient, verb::get, "/v1/gateway-key").body);
    auto item = crypto::parse_inbox_item(inbox.at(0).dump(), recipient);
    EXPECT_TRUE(item.ok() && gateway_key.ok());
    std::vector<crypto::AgencySecretKey> keys{secret};
    auto opened = crypto::verify_and_open(item.value(), keys, &gateway_key.value());
    EXPECT_TRUE(opened.ok()) << (opened.ok() ? "" : opened.error().message);
    return opened.ok() ? opened->envelope : envelope::Envelope{};
  }

  static std::string value_of(const envelope::Envelope& e, std::string_view path) {
    const auto* field = e.find(path);
    return field ? field->json : "(absent)";
  }

  client::HttpResult call(const std::string& who, verb method, const std::string& target,
                          const std::string& body = {}) {
    auto client = make_client(who, gateway_->port());
    auto result = client->request(method, target, body);
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
    return result.ok() ? result.value() : client::HttpResult{};
  }

  TempDir dir_, agency_keys_, survivors_keys_;
  crypto::AgencySecretKey secret_, survivors_secret_;
  // The gateway's clock: the tests move it past leases. Starts at the real time, where the
  // sample agreements are in force; outlives the gateway.
  env::FakeEnv env_{env::system_env().now_ms()};
  std::unique_ptr<InProcessGateway> gateway_;
  const std::string referral_ = read_source_file("tests/data/envelope/referral_created.json");
};

// Every byte the gateway keeps: the spool database, its WAL and anything else in the dir.
std::string everything_on_disk(const std::string& dir) {
  std::string all;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    all += bytes.str();
  }
  return all;
}

TEST_F(EncryptionTest, RecipientOpensProtectedFieldsAndNothingIsStoredInClear) {
  const auto submitted = call("police.met", verb::post, "/v1/messages", referral_);
  ASSERT_EQ(submitted.status, 202u) << submitted.body;
  EXPECT_EQ(json::parse(submitted.body)["recipients"], json::array({"provider.lvws"}));

  const auto inbox = call("provider.lvws", verb::get, "/v1/inbox");
  ASSERT_EQ(inbox.status, 200u);
  const auto messages = json::parse(inbox.body)["messages"];
  ASSERT_EQ(messages.size(), 1u);
  const auto& item = messages[0];
  EXPECT_EQ(item["recipient"], "provider.lvws");
  const auto& phone = item["envelope"]["data"]["victim"]["contact"]["phone"];
  ASSERT_TRUE(phone.is_object()) << item.dump();
  EXPECT_EQ(phone["kid"], secret_.pub.kid);
  EXPECT_EQ(item.dump().find("07700 900123"), std::string::npos) << "phone delivered in clear";

  // The recipient: verify with the published gateway key, then open.
  const auto key_answer = call("provider.lvws", verb::get, "/v1/gateway-key");
  ASSERT_EQ(key_answer.status, 200u);
  auto gateway_key = crypto::parse_gateway_public_key(key_answer.body);
  ASSERT_TRUE(gateway_key.ok()) << gateway_key.error().message;
  auto delivered = crypto::parse_inbox_item(item.dump(), "provider.lvws");
  ASSERT_TRUE(delivered.ok()) << delivered.error().message;
  std::vector<crypto::AgencySecretKey> keys{secret_};
  auto opened = crypto::verify_and_open(delivered.value(), keys, &gateway_key.value());
  ASSERT_TRUE(opened.ok()) << opened.error().code << ": " << opened.error().message;
  const auto* clear_phone = opened->envelope.find("victim.contact.phone");
  ASSERT_NE(clear_phone, nullptr);
  EXPECT_EQ(clear_phone->json, "\"07700 900123\"");

  // A copy altered on the way is refused by the recipient.
  auto tampered = item;
  tampered["envelope"]["data"]["offence"]["category"] = "theft";
  auto forged = crypto::parse_inbox_item(tampered.dump(), "provider.lvws");
  ASSERT_TRUE(forged.ok());
  EXPECT_FALSE(crypto::verify_and_open(forged.value(), keys, &gateway_key.value()).ok());

  // Nothing protected ever reached the gateway's disk in clear (spool, WAL, keys).
  gateway_->stop();
  const auto disk = everything_on_disk(dir_.path());
  for (const std::string secret_value :
       {"07700 900123", "r.example@example.org", "Mon-Fri 10:00-12:00", "landline"}) {
    EXPECT_EQ(disk.find(secret_value), std::string::npos)
        << "'" << secret_value << "' found on the gateway's disk";
  }
  // The scan can fail: shared fields of the same message are on disk in clear.
  EXPECT_NE(disk.find("burglary_dwelling"), std::string::npos);
}

TEST_F(EncryptionTest, OneReferralReachesTwoProvidersInDifferentForms) {
  // A sexual-offence referral with explicit consent: both providers' agreements grant it,
  // each in its own form.
  auto referral = json::parse(referral_);
  referral["data"]["offence"]["category"] = "sexual_assault";
  const auto submitted = call("police.met", verb::post, "/v1/messages", referral.dump());
  ASSERT_EQ(submitted.status, 202u) << submitted.body;
  EXPECT_EQ(json::parse(submitted.body)["recipients"],
            json::array({"provider.lvws", "provider.survivors-uk"}));

  const auto lvws = open_only_copy("provider.lvws", secret_);
  const auto survivors = open_only_copy("provider.survivors-uk", survivors_secret_);
  // Both can read the safe-contact phone, each with its own key only.
  EXPECT_EQ(value_of(lvws, "victim.contact.phone"), "\"07700 900123\"");
  EXPECT_EQ(value_of(survivors, "victim.contact.phone"), "\"07700 900123\"");
  // Victim Support: the offence date as is and a keyed pseudonym of the crime reference.
  EXPECT_EQ(value_of(lvws, "offence.date"), "\"2026-11-19\"");
  EXPECT_TRUE(value_of(lvws, "offence.crime_reference").starts_with("\"ps1:"));
  // SurvivorsUK: the month only, and no crime reference at all.
  EXPECT_EQ(value_of(survivors, "offence.date"), "\"2026-11\"");
  EXPECT_EQ(value_of(survivors, "offence.crime_reference"), "(absent)");
  // Neither receives what neither agreement names.
  EXPECT_EQ(value_of(lvws, "officer.collar"), "(absent)");
  EXPECT_EQ(value_of(survivors, "officer.collar"), "(absent)");
}

TEST_F(EncryptionTest, CliDecryptsAnInboxItemAndRefusesAWrongKey) {
  ASSERT_EQ(call("police.met", verb::post, "/v1/messages", referral_).status, 202u);
  const auto inbox = call("provider.lvws", verb::get, "/v1/inbox?lease_seconds=1");
  const auto item = json::parse(inbox.body)["messages"][0];
  {
    std::ofstream out(dir_.file("item.json"));
    out << item.dump();
    std::ofstream key(dir_.file("gateway-key.json"));
    key << call("provider.lvws", verb::get, "/v1/gateway-key").body;
  }
  const std::string cli =
      binary_dir() + "/tools/accord/accord decrypt --gateway-key " + dir_.file("gateway-key.json");
  const auto opened =
      run_command(cli + " --key " + agency_keys_.path() + " " + dir_.file("item.json"));
  EXPECT_EQ(opened.status, 0) << opened.output;
  EXPECT_NE(opened.output.find("07700 900123"), std::string::npos) << opened.output;

  TempDir other;
  auto wrong = crypto::generate_agency_key("provider.lvws", 1'763'900'000'000);
  ASSERT_TRUE(wrong.ok());
  ASSERT_TRUE(crypto::write_key_files(other.path(), wrong.value()).ok());
  const auto refused = run_command(cli + " --key " + other.path() + " " + dir_.file("item.json"));
  EXPECT_NE(refused.status, 0) << refused.output;
  EXPECT_EQ(refused.output.find("07700 900123"), std::string::npos) << refused.output;

  // accord inbox --decrypt: fetches the gateway key over the verified connection, opens the
  // fields, and never acks what it could not open.
  const auto& pki = Pki::get();
  const std::string inbox_cli =
      binary_dir() + "/tools/accord/accord inbox --ack --lease-seconds 1 --gateway 127.0.0.1:" +
      std::to_string(gateway_->port()) + " --ca " + pki.file("ca.pem") + " --cert " +
      pki.agency_cert("provider.lvws") + " --key " + pki.agency_key("provider.lvws") +
      " --decrypt ";
  env_.advance_ms(1000);  // the one-second lease above ends
  const auto wrong_key = run_command(inbox_cli + other.path());
  EXPECT_NE(wrong_key.status, 0) << wrong_key.output;
  EXPECT_NE(wrong_key.output.find("NOT opened"), std::string::npos) << wrong_key.output;
  env_.advance_ms(1000);  // the wrong key's lease ends: it acked nothing
  const auto right_key = run_command(inbox_cli + agency_keys_.path());
  EXPECT_EQ(right_key.status, 0) << right_key.output;
  EXPECT_NE(right_key.output.find("07700 900123"), std::string::npos) << right_key.output;
  EXPECT_NE(right_key.output.find("signature verified"), std::string::npos) << right_key.output;
}

}  // namespace
}  // namespace accord::test
