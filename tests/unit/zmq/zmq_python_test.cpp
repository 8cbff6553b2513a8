// The Python example adapter (examples/zmq-adapter/accord_adapter.py) as a real child
// process against a real ZmqPort with the real clock: keygen, submit, receive with NACK
// retry, and a SIGKILLed adapter whose pending delivery comes back retry_later and is then
// redelivered to its replacement while another agency's adapter keeps working.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "zmq_port_fixture.hpp"

namespace accord::zmqtest {
namespace {

using adapters::DeliveryStatus;
using testing::wait_until;

class ZmqPython : public PortFixture {
 protected:
  void SetUp() override {
    script_ = source_dir() + "/examples/zmq-adapter/accord_adapter.py";
    // Keys made by the example's own keygen, read back the way an operator would.
    for (const auto* name : {"a", "b"}) {
      Child keygen({"/usr/bin/python3", script_, "keygen", dir_.file(name)},
                   dir_.file(std::string("keygen-") + name + ".out"));
      ASSERT_EQ(keygen.wait_exit(), 0) << keygen.errors();
    }
    keys_a_ = {trimmed(read_text(dir_.file("a.pub"))), trimmed(read_text(dir_.file("a.key")))};
    keys_b_ = {trimmed(read_text(dir_.file("b.pub"))), trimmed(read_text(dir_.file("b.key")))};
    adapters::ZmqPortOptions options;
    options.heartbeat_ms = 500;  // a killed adapter is noticed after ~1.5 s
    start_port(false, options);
    write_text(dir_.file("server.pub"), port_->public_key() + "\n");
  }

  static std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }

  std::vector<std::string> argv(const std::string& agency, const std::string& key,
                                std::vector<std::string> mode) {
    std::vector<std::string> out = {
        "/usr/bin/python3",      script_,      "--endpoint",   port_->endpoint(), "--server-key",
        dir_.file("server.pub"), "--key-file", dir_.file(key), "--agency",        agency};
    out.insert(out.end(), mode.begin(), mode.end());
    return out;
  }

  static bool has_line(const Child& child, const std::string& line) {
    return ("\n" + child.output()).find("\n" + line + "\n") != std::string::npos;
  }

  // Delivers until the adapter ACKs (retry_later while it is still connecting counts as a
  // retry, as the delivery worker would do); returns the final outcome.
  std::optional<adapters::DeliveryOutcome> deliver_until_done(adapters::OutboundAdapter& adapter,
                                                              std::int64_t id,
                                                              const std::string& agency) {
    for (int attempt = 1; attempt <= 200; ++attempt) {
      outcomes_.clear(id);
      adapter.deliver(message(id, agency, attempt), outcomes_.done_for(id));
      auto outcome = outcomes_.wait(id);
      if (!outcome || outcome->status != DeliveryStatus::retry_later) return outcome;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return std::nullopt;
  }

  std::string script_;
};

TEST_F(ZmqPython, SubmitsEachEnvelopeAndPrintsTheReplies) {
  write_text(dir_.file("in.jsonl"),
             "{\"id\":\"one\"}\n{\"id\":\"two\"}\n\n{\"id\":\"refuse-me\"}\n");
  Child submit(argv("agency.a", "a.key", {"submit", dir_.file("in.jsonl")}), dir_.file("s.out"));
  EXPECT_EQ(submit.wait_exit(), 1) << submit.errors();  // one envelope was refused
  std::istringstream lines(submit.output());
  std::map<int, nlohmann::json> replies;
  for (std::string line; std::getline(lines, line);) {
    const auto reply = nlohmann::json::parse(line);
    replies[reply["line"].get<int>()] = reply;
  }
  ASSERT_EQ(replies.size(), 3u) << submit.output() << submit.errors();
  EXPECT_EQ(replies[1]["status"], "accepted");
  EXPECT_EQ(replies[2]["status"], "accepted");
  EXPECT_EQ(replies[2]["recipients"][0], "agency.b");
  EXPECT_EQ(replies[4]["status"], "refused");
  EXPECT_EQ(replies[4]["code"], "not_permitted");
  const auto calls = submitter_.calls();
  ASSERT_EQ(calls.size(), 3u);
  for (const auto& [sender, body] : calls) EXPECT_EQ(sender, "agency.a");
}

TEST_F(ZmqPython, AKeyClaimingAnotherAgencyIsRefused) {
  write_text(dir_.file("in.jsonl"), "{\"id\":\"one\"}\n");
  Child submit(argv("agency.b", "a.key", {"submit", dir_.file("in.jsonl")}), dir_.file("s.out"));
  EXPECT_EQ(submit.wait_exit(), 2);
  EXPECT_NE(submit.errors().find("agency_mismatch"), std::string::npos) << submit.errors();
  EXPECT_TRUE(submitter_.calls().empty());
}

TEST_F(ZmqPython, ReceiveWritesTheDocumentAfterANackRetry) {
  const auto out = dir_.file("received");
  Child receiver(
      argv("agency.a", "a.key", {"receive", "--out", out, "--fail-first", "1", "--count", "1"}),
      dir_.file("r.out"));
  auto adapter = port_->outbound_for("agency.a");
  ASSERT_TRUE(wait_until([&] { return has_line(receiver, "connected"); }, std::chrono::seconds(30)))
      << receiver.errors();
  adapter->deliver(message(7, "agency.a"), outcomes_.done_for(7));
  const auto nacked = outcomes_.wait(7);
  ASSERT_TRUE(nacked.has_value());
  EXPECT_EQ(nacked->status, DeliveryStatus::retry_later);
  EXPECT_NE(nacked->detail.find("--fail-first"), std::string::npos);
  const auto delivered = deliver_until_done(*adapter, 7, "agency.a");
  ASSERT_TRUE(delivered.has_value());
  EXPECT_EQ(delivered->status, DeliveryStatus::delivered);
  EXPECT_EQ(receiver.wait_exit(), 0) << receiver.errors();
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(out)) {
    files.push_back(entry.path().string());
  }
  ASSERT_EQ(files.size(), 1u);  // no temporary file left behind
  EXPECT_EQ(read_text(files[0]), message(7, "agency.a").document);
}

TEST_F(ZmqPython, KilledAdapterDeliveryIsRetriedAndRedeliveredToItsReplacement) {
  const auto out_a = dir_.file("a-out"), out_b = dir_.file("b-out");
  auto adapter_a = port_->outbound_for("agency.a");
  auto adapter_b = port_->outbound_for("agency.b");
  // agency.b's adapter runs throughout; agency.a's first adapter holds every ACK back.
  Child b(argv("agency.b", "b.key", {"receive", "--out", out_b}), dir_.file("b.out"));
  auto a1 = std::make_unique<Child>(
      argv("agency.a", "a.key", {"receive", "--out", out_a, "--delay-ack-ms", "600000"}),
      dir_.file("a1.out"));
  ASSERT_TRUE(wait_until([&] { return has_line(*a1, "connected") && has_line(b, "connected"); },
                         std::chrono::seconds(30)));
  std::int64_t b_id = 1000;
  auto b_works = [&] {
    const auto outcome = deliver_until_done(*adapter_b, ++b_id, "agency.b");
    return outcome && outcome->status == DeliveryStatus::delivered;
  };
  ASSERT_TRUE(b_works());

  adapter_a->deliver(message(1, "agency.a"), outcomes_.done_for(1));
  ASSERT_TRUE(
      wait_until([&] { return has_line(*a1, "received 1 msg/1"); }, std::chrono::seconds(30)));
  a1->kill9();  // mid-delivery: received, never ACKed
  ASSERT_TRUE(b_works());
  const auto lost = outcomes_.wait(1);
  ASSERT_TRUE(lost.has_value());
  EXPECT_EQ(lost->status, DeliveryStatus::retry_later) << lost->detail;
  EXPECT_FALSE(std::filesystem::exists(out_a) && !std::filesystem::is_empty(out_a));
  ASSERT_TRUE(b_works());

  Child a2(argv("agency.a", "a.key", {"receive", "--out", out_a, "--count", "1"}),
           dir_.file("a2.out"));
  const auto redelivered = deliver_until_done(*adapter_a, 1, "agency.a");
  ASSERT_TRUE(redelivered.has_value());
  EXPECT_EQ(redelivered->status, DeliveryStatus::delivered) << redelivered->detail;
  EXPECT_EQ(a2.wait_exit(), 0) << a2.errors();
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(out_a),
                          std::filesystem::directory_iterator{}),
            1);
  ASSERT_TRUE(b_works());
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(out_b),
                          std::filesystem::directory_iterator{}),
            b_id - 1000);
}

}  // namespace
}  // namespace accord::zmqtest
