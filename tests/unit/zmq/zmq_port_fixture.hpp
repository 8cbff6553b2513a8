// A started ZmqPort on an ephemeral loopback port, agencies "agency.a" and "agency.b" each
// bound to a fresh key, a recording Submitter, and io threads for the callbacks.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>

#include "accord/adapters/zmq/port.hpp"
#include "accord/testing/io_threads.hpp"
#include "accord/testing/temp_dir.hpp"
#include "accord/testing/wait_until.hpp"
#include "zmq_support.hpp"

namespace accord::zmqtest {

class PortFixture : public ::testing::Test {
 protected:
  // `fake_clock`: heartbeats and ack timeouts move only when the test advances the clock.
  void start_port(bool fake_clock, adapters::ZmqPortOptions options = {}) {
    options.endpoint = "tcp://127.0.0.1:*";
    options.secret_key_path = dir_.file("server.key");
    options.adapters = {{"agency.a", keys_a_.public_key}, {"agency.b", keys_b_.public_key}};
    adapters::ZmqPort::Clock clock = [this] { return clock_.load(); };
    if (!fake_clock) {
      clock = [] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
      };
    }
    auto port = adapters::ZmqPort::create(options, io_, &submitter_, clock);
    ASSERT_TRUE(port.ok()) << port.error().message;
    port_ = std::move(port.value());
    const auto started = port_->start();
    ASSERT_TRUE(started.ok()) << started.error().message;
  }

  std::unique_ptr<TestPeer> peer(const adapters::CurveKeyPair& keys) {
    return std::make_unique<TestPeer>(context_, port_->endpoint(), port_->public_key(), keys);
  }

  // A peer with `keys` that said HELLO for `agency` and got WELCOME.
  std::unique_ptr<TestPeer> welcomed(const adapters::CurveKeyPair& keys, const std::string& agency,
                                     const std::string& capabilities = "inbound,outbound") {
    auto p = peer(keys);
    const auto answer = p->hello(agency, capabilities);
    EXPECT_TRUE(answer.has_value());
    if (answer) {
      EXPECT_EQ(answer->at(1), "WELCOME");
    }
    return p;
  }

  void TearDown() override {
    if (port_) port_->stop();
    threads_.stop();
  }

  testing::TempDir dir_{"accord-zmq-"};
  boost::asio::io_context io_;
  testing::IoThreads threads_{io_, 2};
  std::atomic<std::int64_t> clock_{1'000'000};
  adapters::CurveKeyPair keys_a_ = new_keys();
  adapters::CurveKeyPair keys_b_ = new_keys();
  RecordingSubmitter submitter_;
  Outcomes outcomes_;
  zmq::context_t context_;
  std::unique_ptr<adapters::ZmqPort> port_;
};

}  // namespace accord::zmqtest
