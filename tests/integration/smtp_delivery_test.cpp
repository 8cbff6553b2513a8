// SMTP delivery end to end: the real gateway binary (main registers the smtp adapter), a real
// SMTP relay on loopback (tests/support/smtp_relay.py, aiosmtpd, STARTTLS with the dev PKI's
// server certificate, trusted through the gateway's own tls.ca), `accord decrypt` on the mail's
// attachment, and `accord dlq list` for a copy the relay refused for good.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "accord/crypto/key_files.hpp"
#include "accord/testing/smtp_relay.hpp"
#include "accord/testing/wait_until.hpp"
#include "harness.hpp"

namespace accord::test {
namespace {

using nlohmann::json;
using verb = boost::beast::http::verb;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

testing::SmtpRelay::Options relay_options() {
  testing::SmtpRelay::Options o;
  o.cert = Pki::get().file("server.pem");
  o.key = Pki::get().file("server.key");
  return o;
}

class SmtpDeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(relay_.ok()) << relay_.error();
    // provider.lvws makes its key pair; the operator registers only the public half.
    auto key = crypto::generate_agency_key("provider.lvws", 1'763'800'000'000);
    ASSERT_TRUE(key.ok()) << key.error().message;
    auto written = crypto::write_key_files(lvws_secret_.path(), *key);
    ASSERT_TRUE(written.ok()) << written.error().message;
    fs::copy_file(written->public_path,
                  keys_.file(fs::path(written->public_path).filename().string()));
    config_ = write_config(
        dir_,
        "delivery:\n"
        "  backoff_initial_ms: 50\n"
        "  backoff_max_ms: 200\n"
        "  idle_poll_ms: 600000\n"
        "  circuit_failures: 50\n"
        "adapters:\n"
        "  provider.lvws:\n"
        "    outbound: {type: smtp, url: \"smtp://127.0.0.1:" +
            std::to_string(relay_.port()) +
            "\", from: accord@gateway.test, to: [intake@lvws.test], timeout_ms: 5000}\n"
            "keys: " +
            keys_.path() + "\n");
  }

  void submit(client::HttpsClient& police, const std::string& id) {
    const auto r = police.request(verb::post, "/v1/messages", with_id(referral_, id));
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->status, 202u) << r->body;
  }

  // The attachment of the mail whose Accord-Message-Id is `id` ("" until it arrives).
  std::string attachment_of(const std::string& id) const {
    for (const auto& m : relay_.mails()) {
      const auto mail = testing::parse_mail(m.raw);
      if (mail.header("Accord-Message-Id") == id && mail.parts.size() == 2) {
        return mail.parts[1].body;
      }
    }
    return {};
  }

  std::string cli(const std::string& args, std::uint16_t admin_port) const {
    const auto& pki = Pki::get();
    return binary_dir() + "/tools/accord/accord " + args +
           " --gateway 127.0.0.1:" + std::to_string(admin_port) + " --cert " +
           pki.file("admin.pem") + " --key " + pki.file("admin.key") + " --ca " +
           pki.file("ca.pem");
  }

  TempDir dir_{"accord-smtp-it-"};
  TempDir keys_, lvws_secret_;
  testing::SmtpRelay relay_{relay_options()};
  std::string config_;
  std::string referral_ = read_source_file("tests/data/envelope/referral_created.json");
};

TEST_F(SmtpDeliveryTest, MailedItemVerifiesAndOpensFromTheAttachmentAlone) {
  GatewayProcess gateway(config_);
  ASSERT_TRUE(gateway.start());
  auto police = make_client("police.met", gateway.port());
  submit(*police, "met-ref-smtp-1");
  std::string item;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        item = attachment_of("met-ref-smtp-1");
        return !item.empty();
      },
      30s));

  const auto key_answer = police->request(verb::get, "/v1/gateway-key", "");
  ASSERT_TRUE(key_answer.ok() && key_answer->status == 200u);
  const std::string gateway_key = dir_.file("gateway-key.json");
  std::ofstream(gateway_key) << key_answer->body;
  const std::string item_file = dir_.file("item.json");
  std::ofstream(item_file, std::ios::binary) << item;
  const auto r =
      run_command(binary_dir() + "/tools/accord/accord decrypt --key " + lvws_secret_.path() +
                  " --gateway-key " + gateway_key + " " + item_file);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("gateway signature verified"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("protected fields opened"), std::string::npos) << r.output;

  const auto parsed = json::parse(item);
  EXPECT_EQ(parsed["sender"], "police.met");
  EXPECT_EQ(parsed["recipient"], "provider.lvws");
  EXPECT_EQ(parsed["message_id"], "met-ref-smtp-1");
  const auto mails = relay_.mails();
  ASSERT_EQ(mails.size(), 1u);
  const auto mail = testing::parse_mail(mails[0].raw);
  EXPECT_EQ(mail.header("Accord-Delivery-Id"), parsed["delivery_id"].get<std::string>());
  EXPECT_EQ(mail.header("Idempotency-Key"), "police.met/met-ref-smtp-1");
  // The mail's Message-ID is the copy's channel reference: kept with the copy once the worker
  // acks it as delivered, and in the audit record of that ack.
  const std::string message_id = mail.header("Message-ID");
  ASSERT_FALSE(message_id.empty());
  const std::string db = dir_.file("spool.db");
  std::string stored;
  EXPECT_TRUE(testing::wait_until(
      [&] {
        stored = run_command("sqlite3 -readonly " + db +
                             " \"SELECT channel_ref FROM copies WHERE message_id = "
                             "'met-ref-smtp-1'\"")
                     .output;
        return stored.find(message_id) != std::string::npos;
      },
      30s))
      << stored << " vs " << message_id;
  const auto acked = run_command("sqlite3 -readonly " + db +
                                 " \"SELECT record FROM audit_records WHERE kind = "
                                 "'delivery.acked'\"");
  EXPECT_NE(acked.output.find(message_id), std::string::npos) << acked.output;
  // The case's URN stays inside the signed item: the mail's clear headers and text name ids only.
  const std::string urn = parsed["case_urn"];
  ASSERT_FALSE(urn.empty());
  EXPECT_EQ(mails[0].raw.find(urn), std::string::npos);
}

TEST_F(SmtpDeliveryTest, TemporaryRefusalIsRetriedAndPermanentRefusalIsDeadLettered) {
  GatewayProcess gateway(config_);
  ASSERT_TRUE(gateway.start());
  auto police = make_client("police.met", gateway.port());

  // 450: the worker backs off and tries again; once the relay takes it, it arrives.
  relay_.set_reply("intake@lvws.test", "450 4.2.1 mailbox busy");
  submit(*police, "met-ref-smtp-busy");
  ASSERT_TRUE(testing::wait_until(
      [&] {
        int rcpts = 0;
        for (const auto& c : relay_.commands()) rcpts += c.starts_with("RCPT") ? 1 : 0;
        return rcpts >= 2;
      },
      30s));
  EXPECT_TRUE(relay_.mails().empty());
  relay_.clear_replies();
  ASSERT_TRUE(
      testing::wait_until([&] { return !attachment_of("met-ref-smtp-busy").empty(); }, 30s));

  // 550: dead-lettered at once with the relay's answer as the detail.
  relay_.set_reply("intake@lvws.test", "550 5.1.1 mailbox unknown");
  submit(*police, "met-ref-smtp-gone");
  json dead;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        const auto r = run_command(cli("dlq list --format json", gateway.admin_port()));
        if (r.status != 0) return false;
        dead = json::parse(r.output, nullptr, false);
        return dead.is_array() && !dead.empty();
      },
      30s));
  ASSERT_EQ(dead.size(), 1u) << dead.dump();
  EXPECT_EQ(dead[0]["message_id"], "met-ref-smtp-gone");
  EXPECT_EQ(dead[0]["code"], "permanent_failure");
  EXPECT_NE(dead[0].dump().find("RCPT TO: SMTP 550 5.1.1 mailbox unknown"), std::string::npos)
      << dead.dump();
  EXPECT_EQ(attachment_of("met-ref-smtp-gone"), "");
}

// A relay password in a file others may read refuses the start, at the password_file's place
// in the config (accord-gateway --check says so without starting anything); made private,
// the same config is accepted.
TEST_F(SmtpDeliveryTest, CheckRefusesAPasswordFileOthersMayRead) {
  const std::string password = dir_.file("relay.password");
  std::ofstream(password) << "correct horse\n";
  ASSERT_EQ(::chmod(password.c_str(), 0644), 0);
  const std::string config = write_config(dir_,
                                          "adapters:\n"
                                          "  provider.lvws:\n"
                                          "    outbound:\n"
                                          "      type: smtp\n"
                                          "      url: smtp://127.0.0.1:" +
                                              std::to_string(relay_.port()) +
                                              "\n"
                                              "      from: accord@gateway.test\n"
                                              "      to: [intake@lvws.test]\n"
                                              "      username: accord\n"
                                              "      password_file: " +
                                              password + "\n");
  const std::string check = binary_dir() + "/gateway/app/accord-gateway --check --config " + config;
  const auto refused = run_command(check);
  EXPECT_EQ(refused.status, 1) << refused.output;
  EXPECT_NE(refused.output.find("chmod 600"), std::string::npos) << refused.output;
  EXPECT_TRUE(std::regex_search(refused.output, std::regex("\\.yaml:[0-9]+:22"))) << refused.output;
  EXPECT_EQ(refused.output.find("correct horse"), std::string::npos);

  ASSERT_EQ(::chmod(password.c_str(), 0600), 0);
  const auto accepted = run_command(check);
  EXPECT_EQ(accepted.status, 0) << accepted.output;
}

}  // namespace
}  // namespace accord::test
