// Issue 11 (4), ZeroMQ: the delivery worker hands a stored, signed copy to the real ZmqPort,
// and the DELIVER `document` frame a C++ peer receives is the self-contained signed item: the
// peer verifies the gateway signature from that frame alone. Before, the frame held only
// {"envelope","signature"} and the signed received_at text was nowhere in the message.
#include <future>
#include <nlohmann/json.hpp>

#include "accord/core/time_format.hpp"
#include "accord/crypto/delivered_message.hpp"
#include "accord/crypto/signature.hpp"
#include "accord/delivery/worker.hpp"
#include "accord/env/fake_env.hpp"
#include "accord/envelope/codec.hpp"
#include "accord/spool/sqlite_spool.hpp"
#include "zmq_port_fixture.hpp"

namespace accord::zmqtest {
namespace {

using namespace std::chrono_literals;

class ZmqDelivery : public PortFixture {
 protected:
  void TearDown() override {
    if (worker_) {
      std::promise<void> stopped;
      worker_->stop([&stopped] { stopped.set_value(); });
      EXPECT_EQ(stopped.get_future().wait_for(10s), std::future_status::ready);
      worker_.reset();
    }
    PortFixture::TearDown();
    if (spool_) spool_->shutdown();
  }

  std::unique_ptr<spool::Spool> spool_;
  std::unique_ptr<adapters::OutboundAdapter> adapter_;
  env::FakeEnv env_{1'795'339'900'000};  // the worker's clock: before worker_, outlives it
  std::shared_ptr<delivery::DeliveryWorker> worker_;
};

TEST_F(ZmqDelivery, DeliverDocumentIsTheSelfContainedSignedItem) {
  start_port(false);
  auto signer = crypto::GatewaySigner::load_or_create(dir_.file("signing.json"), 1'000);
  ASSERT_TRUE(signer.ok()) << signer.error().message;
  auto copy = crypto::decode_delivered(R"({"id":"zmq-signed-1","type":"hearing.listed",
      "case":{"urn":"01AB1234521","owner":"agency.b"},"subject":{"role":"victim","ref":"V-1"},
      "occurred_at":"2026-11-20T09:30:00Z","classification":"OFFICIAL",
      "data":{"hearing":{"court":"Southwark","fee":9.007199254740992e+15}}})");
  ASSERT_TRUE(copy.ok()) << copy.error().message;
  const std::int64_t received_at_ms = 1'795'339'800'123;
  const crypto::DeliveryInfo info{"agency.b", "agency.a", "zmq-signed-1",
                                  format_time_ms(received_at_ms)};
  const std::string stored = "{\"envelope\":" + envelope::encode(*copy) +
                             ",\"signature\":" + signer->sign_delivery(info, *copy).to_json() + "}";

  spool::SqliteSpoolOptions options;
  options.path = dir_.file("spool.db");
  auto opened = spool::open_sqlite_spool(options);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  spool_ = std::move(opened).value();
  spool::Submission s;
  s.sender = "agency.b";
  s.message_id = "zmq-signed-1";
  s.content_hash = "hash-zmq-signed-1";
  s.event_type = "hearing.listed";
  s.case_urn = "01AB1234521";
  s.received_at_ms = received_at_ms;
  s.copies.push_back(spool::Copy{"agency.a", stored});
  std::promise<Result<spool::AppendResult>> appended;
  spool_->append(std::move(s), [&appended](auto r) { appended.set_value(std::move(r)); });
  ASSERT_TRUE(appended.get_future().get().ok());

  auto peer = welcomed(keys_a_, "agency.a");
  adapter_ = port_->outbound_for("agency.a");
  delivery::WorkerOptions worker_options;
  worker_ =
      delivery::DeliveryWorker::create(io_, *spool_, "agency.a", *adapter_, worker_options, env_);
  worker_->start();

  std::optional<Frames> deliver;
  for (int i = 0; i < 20 && !deliver; ++i) {
    auto frames = peer->recv(1s);
    if (frames && frames->size() > 1 && frames->at(1) == "DELIVER") deliver = std::move(frames);
  }
  ASSERT_TRUE(deliver.has_value()) << "no DELIVER";
  ASSERT_EQ(deliver->size(), 10u);
  const std::string& document = deliver->at(9);

  auto item = crypto::parse_inbox_item(document, "agency.a");
  ASSERT_TRUE(item.ok()) << item.error().message << " in " << document;
  EXPECT_EQ(item->info.sender, "agency.b");
  EXPECT_EQ(item->info.received_at, "2026-11-22T09:30:00.123Z");
  auto verified = crypto::verify_and_open(*item, {}, &signer->public_key());
  EXPECT_TRUE(verified.ok()) << verified.error().code << ": " << verified.error().message;
  // The double is delivered in its canonical text (docs/envelope.md §3), as signed.
  EXPECT_NE(document.find("\"fee\":9007199254740992.0"), std::string::npos) << document;

  peer->send({kV, "ACK", deliver->at(2)});
  ASSERT_TRUE(testing::wait_until([&] { return worker_->stats().delivered == 1; }));
}

}  // namespace
}  // namespace accord::zmqtest
