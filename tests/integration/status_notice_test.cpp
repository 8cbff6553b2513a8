// Status notices end to end (docs/receipts.md, "Status notices"): the real gateway in this
// process with the built-in adapters, real mTLS on loopback, the SQLite spool in a temp dir.
// A sender with status_callbacks and a mailbox gets exactly one signed notice once both
// recipients have acknowledged, verified by the gateway's library and by the independent
// PyNaCl reader; a webhook sender gets a dead_lettered notice POSTed to its webhook (a real
// HTTPS receiver) when a copy dies; a sender without the key gets nothing.
#include "accord/crypto/status_notice.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "accord/adapters/mailbox.hpp"
#include "accord/adapters/webhook.hpp"
#include "accord/crypto/key_files.hpp"
#include "accord/env/fake_env.hpp"
#include "accord/testing/wait_until.hpp"
#include "harness.hpp"
#include "webhook_receiver.hpp"

namespace accord::test {
namespace {

using boost::beast::http::verb;
using nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

// Keeps every POST body as <dir>/<n>.json (n counts from 1) and answers 400 to paths ending
// in /reject (a permanent failure: the copy is dead-lettered at once), 200 otherwise.
constexpr const char* kReceiverPy = R"PY(
import http.server, itertools, os, ssl, sys, threading
port, cert, key, ca, out = sys.argv[1:6]
lock = threading.Lock()
counter = itertools.count(1)
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        status = 400 if self.path.endswith('/reject') else 200
        if status == 200:
            with lock:
                n = next(counter)
                with open(os.path.join(out, '%d.tmp' % n), 'wb') as f:
                    f.write(body)
                os.rename(os.path.join(out, '%d.tmp' % n), os.path.join(out, '%d.json' % n))
        self.send_response(status)
        self.send_header('Content-Length', '2')
        self.end_headers()
        self.wfile.write(b'{}')
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ctx.load_verify_locations(ca)
ctx.verify_mode = ssl.CERT_REQUIRED
srv = http.server.ThreadingHTTPServer(('127.0.0.1', int(port)), H)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
open(os.path.join(out, 'ready'), 'w').close()
srv.serve_forever()
)PY";

class Receiver {
 public:
  explicit Receiver(const TempDir& dir) : out_(dir.file("received")), port_(free_port()) {
    fs::create_directories(out_);
    std::ofstream(dir.file("receiver.py")) << kReceiverPy;
    const auto& pki = Pki::get();
    const std::string script = dir.file("receiver.py"), port = std::to_string(port_),
                      cert = pki.file("server.pem"), key = pki.file("server.key"),
                      ca = pki.file("ca.pem");
    pid_ = fork();
    if (pid_ == 0) {
      execl("/usr/bin/python3", "python3", script.c_str(), port.c_str(), cert.c_str(), key.c_str(),
            ca.c_str(), out_.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    ready_ = testing::wait_until([&] { return fs::exists(out_ + "/ready"); }, 15s);
  }
  ~Receiver() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  bool ready() const { return ready_; }
  std::uint16_t port() const { return port_; }
  // Every body received, in arrival order.
  std::vector<std::string> bodies() const {
    std::vector<std::string> out;
    for (int n = 1; fs::exists(out_ + "/" + std::to_string(n) + ".json"); ++n) {
      out.push_back(read_text(out_ + "/" + std::to_string(n) + ".json"));
    }
    return out;
  }

 private:
  std::string out_;
  std::uint16_t port_;
  pid_t pid_ = -1;
  bool ready_ = false;
};

class StatusNoticeTest : public ::testing::Test {
 protected:
  void start(const std::string& adapters_yaml) {
    auto config = app::load_config(write_config(dir_, adapters_yaml));
    ASSERT_TRUE(config.ok()) << config.error().message << " " << config.error().path;
    config->env = &env_;
    adapters::Registry registry;
    ASSERT_TRUE(adapters::register_webhook(registry).ok());
    ASSERT_TRUE(adapters::register_mailbox(registry).ok());
    auto gateway = app::Gateway::create(std::move(config.value()), std::move(registry));
    ASSERT_TRUE(gateway.ok()) << gateway.error().message << " " << gateway.error().path;
    gateway_ = std::move(gateway.value());
    ASSERT_TRUE(gateway_->start().ok());
    const auto key = call("police.met", verb::get, "/v1/gateway-key");
    auto parsed = crypto::parse_gateway_public_key(key.body);
    ASSERT_TRUE(parsed.ok()) << key.body;
    gateway_key_ = *parsed;
    std::ofstream(dir_.file("gateway-key.json")) << key.body;
  }
  void TearDown() override {
    if (gateway_) gateway_->stop();
  }

  client::HttpResult call(const std::string& who, verb method, const std::string& target,
                          const std::string& body = {}) {
    auto client = make_client(who, gateway_->port());
    auto result = client->request(method, target, body, "application/json");
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
    return result.ok() ? result.value() : client::HttpResult{};
  }

  // Submits the sample arrest as police.met: a copy for wcu.met and one for provider.lvws.
  void submit(const std::string& id) {
    const auto arrested = read_source_file("tests/data/integration/suspect_arrested.json");
    const auto r = call("police.met", verb::post, "/v1/messages", with_id(arrested, id));
    ASSERT_EQ(r.status, 202u) << r.body;
  }

  // Leases `who`'s inbox (one-second lease) and returns the items.
  std::vector<json> inbox(const std::string& who) {
    const auto r = call(who, verb::get, "/v1/inbox?max=100&lease_seconds=1");
    EXPECT_EQ(r.status, 200u) << r.body;
    std::vector<json> items;
    const json answer = json::parse(r.body, nullptr, false);
    for (const auto& m : answer["messages"]) items.push_back(m);
    return items;
  }

  void ack_all(const std::string& who) {
    for (const auto& item : inbox(who)) {
      const auto r =
          call(who, verb::post, "/v1/inbox/" + item["delivery_id"].get<std::string>() + "/ack");
      ASSERT_EQ(r.status, 200u) << r.body;
    }
  }

  std::size_t emit() {
    auto emitted = gateway_->emit_status_notices();
    EXPECT_TRUE(emitted.ok()) << (emitted.ok() ? "" : emitted.error().message);
    return emitted.ok() ? emitted.value() : 0;
  }

  std::string accord_cli(const std::string& who, const std::string& args) {
    const auto& pki = Pki::get();
    return binary_dir() + "/tools/accord/accord " + args +
           " --gateway 127.0.0.1:" + std::to_string(gateway_->port()) + " --cert " +
           pki.agency_cert(who) + " --key " + pki.agency_key(who) + " --ca " + pki.file("ca.pem") +
           " 2>&1";
  }

  // The notice verifies with the gateway's library and with the PyNaCl reader.
  void expect_verifies(const std::string& item) {
    auto notice = crypto::parse_status_notice(item);
    ASSERT_TRUE(notice.ok()) << notice.error().message;
    EXPECT_TRUE(crypto::verify_status_notice(*notice, gateway_key_).ok());
    std::ofstream(dir_.file("notice.json"), std::ios::trunc) << item;
    const auto r =
        run_command("/usr/bin/python3 " + source_dir() + "/tests/interop/verify_status_notice.py " +
                    dir_.file("notice.json") + " " + dir_.file("gateway-key.json"));
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(r.output, "OK\n");
  }

  TempDir dir_;
  env::FakeEnv env_{env::system_env().now_ms()};
  std::unique_ptr<app::Gateway> gateway_;
  crypto::GatewayPublicKey gateway_key_;
};

TEST_F(StatusNoticeTest, MailboxSenderGetsOneSignedNoticeOnceEveryRecipientAcknowledged) {
  start("adapters:\n  police.met: {status_callbacks: true}\n");
  submit("notice-mailbox-1");
  ack_all("wcu.met");
  EXPECT_EQ(emit(), 0u) << "one recipient has not acknowledged yet";
  EXPECT_TRUE(inbox("police.met").empty());

  ack_all("provider.lvws");
  // The gateway's own look every second may have made it already.
  EXPECT_LE(emit(), 1u);
  EXPECT_EQ(emit(), 0u) << "a notice is made once";
  const auto items = inbox("police.met");
  ASSERT_EQ(items.size(), 1u);
  const json& item = items[0];
  EXPECT_EQ(item["sender"], "gateway.status");
  EXPECT_EQ(item["type"], "accord.delivery_status");
  EXPECT_EQ(item["recipient"], "police.met");
  EXPECT_EQ(item["notice"], json({{"outcome", "acknowledged"}}));
  EXPECT_FALSE(item.contains("envelope"));
  expect_verifies(item.dump());

  const json status = json::parse(item["status"].get<std::string>());
  EXPECT_EQ(status["message_id"], "notice-mailbox-1");
  EXPECT_EQ(status["sender"], "police.met");
  EXPECT_EQ(status["complete"], true);
  ASSERT_EQ(status["recipients"].size(), 2u);
  for (const auto& r : status["recipients"]) EXPECT_EQ(r["state"], "acknowledged") << r;
  // The status the notice carries is what GET /v1/messages/{id} said when it was made.
  const auto now = call("police.met", verb::get, "/v1/messages/notice-mailbox-1");
  ASSERT_EQ(now.status, 200u) << now.body;
  EXPECT_EQ(json::parse(now.body), status);

  // `accord inbox` shows it as a notice; with --decrypt it verifies it and acks it (an ack
  // like any other, which makes no notice of its own).
  const std::string id = item["delivery_id"];
  env_.advance_ms(2'000);  // past the test's one-second lease
  const auto table = run_command(accord_cli("police.met", "inbox"));
  EXPECT_EQ(table.status, 0) << table.output;
  EXPECT_NE(table.output.find("status notice " + id +
                              ": notice-mailbox-1 acknowledged by every recipient (unverified"),
            std::string::npos)
      << table.output;
  auto key = crypto::generate_agency_key("police.met", env_.now_ms());
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(
      env::system_env()
          .write_new_file(dir_.file("met.secret.json"), crypto::secret_key_file_text(*key), 0600)
          .ok());
  env_.advance_ms(31'000);  // past the CLI's default lease
  const auto opened = run_command(
      accord_cli("police.met", "inbox --ack --decrypt " + dir_.file("met.secret.json")));
  EXPECT_EQ(opened.status, 0) << opened.output;
  EXPECT_NE(opened.output.find("status notice " + id +
                               ": notice-mailbox-1 acknowledged by every recipient (signature "
                               "verified):\n" +
                               item["status"].get<std::string>()),
            std::string::npos)
      << opened.output;
  EXPECT_NE(opened.output.find(id + " acked"), std::string::npos) << opened.output;
  EXPECT_EQ(emit(), 0u);
  env_.advance_ms(31'000);  // past the lease: nothing comes back
  EXPECT_TRUE(inbox("police.met").empty());
}

TEST_F(StatusNoticeTest, SenderWithoutTheKeyGetsNothing) {
  start("adapters:\n  wcu.met: {status_callbacks: true}\n");
  submit("notice-none-1");
  ack_all("wcu.met");
  ack_all("provider.lvws");
  EXPECT_EQ(emit(), 0u);
  EXPECT_TRUE(inbox("police.met").empty());
}

TEST_F(StatusNoticeTest, WebhookSenderGetsADeadLetteredNoticePosted) {
  Receiver receiver(dir_);
  ASSERT_TRUE(receiver.ready());
  const std::string base = "https://127.0.0.1:" + std::to_string(receiver.port());
  start(
      "delivery: {idle_poll_ms: 600000}\n"
      "adapters:\n"
      "  police.met:\n"
      "    status_callbacks: true\n"
      "    outbound: {type: webhook, url: \"" +
      base +
      "/notices\", timeout_ms: 3000}\n"
      "  wcu.met:\n"
      "    outbound: {type: webhook, url: \"" +
      base + "/reject\", timeout_ms: 3000}\n");
  submit("notice-dead-1");
  // wcu.met's webhook refuses its copy for good: dead-lettered, then the notice is made (by
  // the gateway's own look every second, or this call) and POSTed to police.met's webhook.
  ASSERT_TRUE(testing::wait_until(
      [&] {
        (void)gateway_->emit_status_notices();
        return !receiver.bodies().empty();
      },
      30s))
      << "no notice reached police.met's webhook";
  const auto bodies = receiver.bodies();
  ASSERT_EQ(bodies.size(), 1u);
  const json item = json::parse(bodies[0]);
  EXPECT_EQ(item["type"], "accord.delivery_status");
  EXPECT_EQ(item["notice"]["outcome"], "dead_lettered");
  EXPECT_EQ(item["notice"]["recipient"], "wcu.met");
  EXPECT_TRUE(item["notice"].contains("delivery_id"));
  expect_verifies(bodies[0]);
  const json status = json::parse(item["status"].get<std::string>());
  EXPECT_EQ(status["complete"], false);
  for (const auto& r : status["recipients"]) {
    if (r["recipient"] == "wcu.met") {
      EXPECT_EQ(r["state"], "dead_lettered") << r;
      EXPECT_EQ(r["dead_letter"]["code"], "permanent_failure") << r;
      EXPECT_EQ(r["delivery_id"], item["notice"]["delivery_id"]);
    }
  }
  // provider.lvws (a mailbox) acknowledging afterwards makes no acknowledged notice: a dead
  // copy never counts as acknowledged.
  ack_all("provider.lvws");
  EXPECT_EQ(emit(), 0u);
  EXPECT_EQ(receiver.bodies().size(), 1u);
}

// accord-gateway --check (and a start) refuse status_callbacks for an agency the directory
// does not name, at the key's line:col.
TEST(StatusNoticeConfig, AnUnknownAgencyIsRefusedByTheCheck) {
  TempDir dir;
  const std::string path =
      write_config(dir, "adapters:\n  police.nowhere: {status_callbacks: true}\n");
  // Where the refused value sits in the written file.
  std::string where;
  {
    std::istringstream lines(read_text(path));
    std::string line;
    for (int n = 1; std::getline(lines, line); ++n) {
      if (line.find("police.nowhere") == std::string::npos) continue;
      where = std::to_string(n) + ":" + std::to_string(line.find("true") + 1);
    }
  }
  auto config = app::load_config(path);
  ASSERT_TRUE(config.ok()) << config.error().message;
  const auto checked = app::Gateway::check(std::move(config.value()));
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error().code, "invalid_config");
  EXPECT_NE(checked.error().message.find("adapters.police.nowhere.status_callbacks: no agency"),
            std::string::npos)
      << checked.error().message;
  EXPECT_EQ(checked.error().path, path + ":" + where);
}

}  // namespace
}  // namespace accord::test
