#include "accord/adapters/zmq/port.hpp"

#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/asio/post.hpp>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <zmq.hpp>

#include "accord/adapters/zmq/curve_key.hpp"
#include "accord/adapters/zmq/protocol.hpp"
#include "accord/core/error_codes.hpp"

namespace accord::adapters {

namespace proto = zmqproto;

namespace {

// How often the I/O thread wakes with nothing to do, to look at timers. The clock is
// injected (tests move it), so a short tick keeps its deadlines prompt.
constexpr std::chrono::milliseconds kTick{50};
// Messages handled per wake-up before timers and commands get a turn.
constexpr int kBatch = 256;

std::string z85_of(const std::string& raw) {
  if (raw.size() != 32) return "(not a 32-byte key)";
  std::array<char, 41> out{};
  zmq_z85_encode(out.data(), reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size());
  return out.data();
}

// The User-Id our ZAP handler gave the connection (its agency); empty if none.
std::string user_id(zmq::message_t& frame) {
  try {
    if (const char* user = frame.gets("User-Id")) return user;
  } catch (const zmq::error_t&) {
  }
  return {};
}

}  // namespace

class ZmqPort::Core : public std::enable_shared_from_this<Core> {
 public:
  Core(ZmqPortOptions options, CurveKeyPair keys, boost::asio::io_context& io, Submitter* submitter,
       Clock now_ms)
      : options_(std::move(options)),
        keys_(std::move(keys)),
        io_(io),
        submitter_(submitter),
        now_ms_(std::move(now_ms)) {
    for (const auto& b : options_.adapters) {
      std::array<std::uint8_t, 32> raw{};
      zmq_z85_decode(raw.data(), b.public_key.c_str());
      agency_of_key_.emplace(std::string(reinterpret_cast<const char*>(raw.data()), raw.size()),
                             b.agency);
    }
  }

  ~Core() { stop(); }

  Status start() {
    std::lock_guard lock(mutex_);
    if (started_) return make_error("invalid_state", "the zmq port was already started");
    try {
      wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
      if (wake_fd_ < 0) return make_error("io", std::string("eventfd: ") + std::strerror(errno));
      // The ZAP handler is bound before the ROUTER: with CURVE and no handler libzmq would
      // admit every key.
      zap_ = zmq::socket_t(context_, zmq::socket_type::rep);
      zap_.set(zmq::sockopt::linger, 0);
      zap_.bind("inproc://zeromq.zap.01");
      router_ = zmq::socket_t(context_, zmq::socket_type::router);
      router_.set(zmq::sockopt::curve_server, 1);
      if (zmq_setsockopt(router_.handle(), ZMQ_CURVE_SECRETKEY, keys_.secret_key.c_str(),
                         keys_.secret_key.size() + 1) != 0) {
        throw zmq::error_t();
      }
      router_.set(zmq::sockopt::zap_domain, "accord");
      router_.set(zmq::sockopt::router_mandatory, 1);
      router_.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(options_.max_frame_bytes));
      router_.set(zmq::sockopt::linger, 200);  // lets the BYEs of stop() leave
      router_.bind(options_.endpoint);
      endpoint_ = router_.get(zmq::sockopt::last_endpoint);
    } catch (const zmq::error_t& e) {
      close_sockets();
      return make_error("bind_failed", "zmq port " + options_.endpoint + ": " + e.what());
    }
    started_ = running_ = true;
    thread_ = std::thread([this] { run(); });
    spdlog::info("zmq port listening on {} (server key {}), {} adapter key(s)", endpoint_,
                 keys_.public_key, options_.adapters.size());
    return Status::Ok();
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      if (!running_) return;
      running_ = false;
      wake();
    }
    if (thread_.joinable()) thread_.join();
  }

  // --- called from any thread ------------------------------------------------------------

  void deliver(std::uint64_t adapter, std::string agency, OutboundMessage message,
               OutboundAdapter::Done done) {
    auto command = [this, adapter, agency = std::move(agency), message = std::move(message),
                    done]() mutable { on_deliver(adapter, agency, std::move(message), done); };
    if (!enqueue(std::move(command))) finish(done, DeliveryStatus::retry_later, "zmq port stopped");
  }

  void cancel(std::uint64_t adapter) {
    enqueue([this, adapter] {
      fail_pending([&](const Pending& p) { return p.adapter == adapter; }, "adapter stopped");
    });
  }

  std::uint64_t new_adapter_id() { return ++adapter_ids_; }

  const std::string& public_key() const { return keys_.public_key; }
  std::string endpoint() const {
    std::lock_guard lock(mutex_);
    return endpoint_.empty() ? options_.endpoint : endpoint_;
  }
  bool serves(const std::string& agency) const {
    for (const auto& b : options_.adapters) {
      if (b.agency == agency) return true;
    }
    return false;
  }
  std::size_t max_in_flight() const { return options_.max_in_flight; }

  ZmqPortStats stats() const {
    ZmqPortStats s;
    s.handshakes_refused = counters_.handshakes_refused;
    s.hellos_refused = counters_.hellos_refused;
    s.malformed = counters_.malformed;
    s.submits = counters_.submits;
    s.submits_overloaded = counters_.submits_overloaded;
    s.delivers = counters_.delivers;
    s.acks = counters_.acks;
    s.nacks = counters_.nacks;
    s.ack_timeouts = counters_.ack_timeouts;
    s.peers_expired = counters_.peers_expired;
    s.peers_replaced = counters_.peers_replaced;
    s.peers_connected = counters_.peers_connected;
    return s;
  }

 private:
  struct Peer {
    std::string routing_id;
    std::string agency;  // from the ZAP binding of its key, never from the peer
    bool welcomed = false;
    bool inbound = false;
    bool outbound = false;
    std::int64_t last_seen_ms = 0;
    std::int64_t last_sent_ms = 0;
    std::size_t submits_in_flight = 0;
  };
  struct Pending {
    std::string routing_id;
    std::uint64_t adapter = 0;
    std::int64_t deadline_ms = 0;
    OutboundAdapter::Done done;
  };
  using PendingKey = std::pair<std::string, std::int64_t>;  // agency, delivery id
  struct Counters {
    std::atomic<std::uint64_t> handshakes_refused{0}, hellos_refused{0}, malformed{0}, submits{0},
        submits_overloaded{0}, delivers{0}, acks{0}, nacks{0}, ack_timeouts{0}, peers_expired{0},
        peers_replaced{0}, peers_connected{0};
  };

  // Returns false once stopped: the command is not queued and will never run.
  bool enqueue(std::function<void()> command) {
    std::lock_guard lock(mutex_);
    if (!running_) return false;
    commands_.push_back(std::move(command));
    wake();
    return true;
  }

  // Under mutex_: the I/O thread closes the eventfd under it, so a late writer can never hit
  // a closed (or reused) descriptor.
  void wake() {
    if (wake_fd_ >= 0) {
      const std::uint64_t one = 1;
      // EAGAIN means the counter is already non-zero: the thread is woken anyway.
      [[maybe_unused]] const auto n = ::write(wake_fd_, &one, sizeof one);
    }
  }

  // `done` never runs on the I/O thread: it may call back into deliver().
  void finish(const OutboundAdapter::Done& done, DeliveryStatus status, std::string detail) {
    boost::asio::post(io_, [done, status, detail = std::move(detail)] {
      done(DeliveryOutcome{status, detail});
    });
  }

  // --- the I/O thread ----------------------------------------------------------------------

  void run() {
    for (;;) {
      std::array<zmq::pollitem_t, 3> items = {{{router_.handle(), 0, ZMQ_POLLIN, 0},
                                               {zap_.handle(), 0, ZMQ_POLLIN, 0},
                                               {nullptr, wake_fd_, ZMQ_POLLIN, 0}}};
      try {
        zmq::poll(items.data(), items.size(), kTick);
      } catch (const zmq::error_t& e) {
        if (e.num() != EINTR) spdlog::error("zmq port: poll failed: {}", e.what());
      }
      if (items[1].revents & ZMQ_POLLIN) serve_zap();
      if (items[0].revents & ZMQ_POLLIN) {
        for (int i = 0; i < kBatch && receive(); ++i) {
        }
      }
      if (items[2].revents & ZMQ_POLLIN) {
        std::uint64_t count = 0;
        [[maybe_unused]] const auto n = ::read(wake_fd_, &count, sizeof count);
      }
      const bool keep_running = run_commands();
      timers();
      if (!keep_running) break;
    }
    shut_down();
  }

  // Runs the queued commands; false once stop() was called (the queue is then closed, so
  // this final drain saw every command that will ever be queued).
  bool run_commands() {
    std::deque<std::function<void()>> batch;
    bool running;
    {
      std::lock_guard lock(mutex_);
      batch.swap(commands_);
      running = running_;
    }
    for (auto& command : batch) command();
    return running;
  }

  void shut_down() {
    for (auto& [routing_id, peer] : peers_) {
      if (peer.welcomed) send(peer, proto::bye("shutting_down"));
    }
    fail_pending([](const Pending&) { return true; }, "zmq port stopped");
    peers_.clear();
    current_.clear();
    counters_.peers_connected = 0;
    std::lock_guard lock(mutex_);
    close_sockets();
  }

  // Under mutex_ (see wake()).
  void close_sockets() {
    router_.close();
    zap_.close();
    context_.close();
    if (wake_fd_ >= 0) ::close(wake_fd_);
    wake_fd_ = -1;
  }

  // ZAP (RFC 27): admit a CURVE client only if its key is bound to an agency; the agency
  // becomes the connection's User-Id, which every message then carries.
  void serve_zap() {
    std::vector<zmq::message_t> request;
    try {
      for (;;) {
        zmq::message_t frame;
        if (!zap_.recv(frame, zmq::recv_flags::dontwait)) break;
        const bool more = frame.more();
        request.push_back(std::move(frame));
        if (!more) break;
      }
      if (request.size() < 6) return;  // libzmq never sends this; nothing sane to answer
      const std::string mechanism = request[5].to_string();
      const std::string address = request[3].to_string();
      std::string agency;
      if (mechanism == "CURVE" && request.size() >= 7) {
        const auto it = agency_of_key_.find(request[6].to_string());
        if (it != agency_of_key_.end()) agency = it->second;
      }
      const bool ok = !agency.empty();
      if (!ok) {
        ++counters_.handshakes_refused;
        spdlog::warn("zmq port: refused {} handshake from {} (public key {}): not configured",
                     mechanism, address,
                     request.size() >= 7 ? z85_of(request[6].to_string()) : "-");
      }
      std::array<zmq::const_buffer, 6> reply = {
          zmq::str_buffer("1.0"),
          zmq::buffer(request[1].data(), request[1].size()),
          ok ? zmq::str_buffer("200") : zmq::str_buffer("400"),
          ok ? zmq::str_buffer("OK") : zmq::str_buffer("unknown key"),
          zmq::buffer(agency),
          zmq::str_buffer("")};
      for (std::size_t i = 0; i < reply.size(); ++i) {
        zap_.send(reply[i],
                  i + 1 < reply.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
      }
    } catch (const zmq::error_t& e) {
      spdlog::error("zmq port: ZAP handler: {}", e.what());
    }
  }

  // Receives one message; false when none is waiting.
  bool receive() {
    zmq::message_t routing;
    std::vector<std::string> frames;
    std::string agency;
    bool overflow = false;
    try {
      if (!router_.recv(routing, zmq::recv_flags::dontwait)) return false;
      bool more = routing.more();
      while (more) {
        zmq::message_t frame;
        if (!router_.recv(frame)) break;
        more = frame.more();
        if (agency.empty()) agency = user_id(frame);
        if (frames.size() <= proto::kMaxFrames) {
          frames.push_back(frame.to_string());
        } else {
          overflow = true;  // keep draining the parts, but store no more
        }
      }
    } catch (const zmq::error_t& e) {
      spdlog::error("zmq port: receive failed: {}", e.what());
      return false;
    }
    if (agency.empty()) return true;  // cannot happen under CURVE + ZAP: drop it
    const auto now = now_ms_();
    auto [it, fresh] = peers_.try_emplace(routing.to_string());
    Peer& peer = it->second;
    if (fresh) {
      peer.routing_id = it->first;
      peer.agency = agency;
      peer.last_sent_ms = now;
    }
    peer.last_seen_ms = now;
    if (overflow) frames.resize(proto::kMaxFrames + 1);
    handle(peer, frames);
    return true;
  }

  void handle(Peer& peer, const proto::Frames& frames) {
    auto parsed = proto::parse_adapter_message(frames);
    if (!parsed.ok()) return protocol_error(peer, parsed.error().code, parsed.error().message);
    auto& message = parsed.value();
    if (auto* hello = std::get_if<proto::Hello>(&message)) return on_hello(peer, *hello);
    if (std::holds_alternative<proto::Ping>(message)) {
      send(peer, proto::pong());
      return;
    }
    if (std::holds_alternative<proto::Pong>(message)) return;
    if (auto* bye = std::get_if<proto::Bye>(&message)) {
      return forget(peer.routing_id, "said BYE (" + bye->reason + ")");
    }
    if (!peer.welcomed) return protocol_error(peer, "not_welcomed", "send HELLO first");
    if (auto* submit = std::get_if<proto::Submit>(&message)) return on_submit(peer, *submit);
    if (auto* ack = std::get_if<proto::Ack>(&message)) {
      return on_outcome(peer, ack->delivery_id, DeliveryStatus::delivered, "acknowledged");
    }
    if (auto* nack = std::get_if<proto::Nack>(&message)) {
      return on_outcome(
          peer, nack->delivery_id,
          nack->permanent ? DeliveryStatus::permanent_failure : DeliveryStatus::retry_later,
          "adapter NACK: " + nack->reason);
    }
  }

  void protocol_error(Peer& peer, const std::string& code, const std::string& message) {
    ++counters_.malformed;
    spdlog::warn("zmq port: {} from {}: {}", code, peer.agency, message);
    send(peer, proto::error(code, message));
  }

  void on_hello(Peer& peer, const proto::Hello& hello) {
    if (peer.welcomed) return protocol_error(peer, "already_welcomed", "HELLO sent twice");
    if (hello.agency != peer.agency) {
      ++counters_.hellos_refused;
      spdlog::warn("zmq port: key of {} claimed agency {}: refused", peer.agency, hello.agency);
      send(peer, proto::refuse("agency_mismatch", "this key is bound to another agency"));
      return forget(peer.routing_id, "refused");
    }
    // Newest wins: a restarted adapter must not wait out its dead predecessor's heartbeats,
    // and holding the key is the authentication, so the newcomer is the same principal.
    if (auto old = current_.find(peer.agency); old != current_.end()) {
      ++counters_.peers_replaced;
      spdlog::info("zmq port: a new connection for {} replaces the old one", peer.agency);
      if (auto p = peers_.find(old->second); p != peers_.end()) {
        send(p->second, proto::bye("replaced"));
      }
      forget(old->second, "replaced by a newer connection");
    }
    peer.welcomed = true;
    peer.inbound = hello.inbound;
    peer.outbound = hello.outbound;
    current_[peer.agency] = peer.routing_id;
    ++counters_.peers_connected;
    spdlog::info("zmq port: {} connected ({}{})", peer.agency, hello.inbound ? "inbound " : "",
                 hello.outbound ? "outbound" : "");
    send(peer, proto::welcome(peer.agency, options_.heartbeat_ms, options_.max_in_flight,
                              options_.max_submit_in_flight, options_.max_frame_bytes));
  }

  void on_submit(Peer& peer, const proto::Submit& submit) {
    auto reply = [&](std::string code, std::string message) {
      SubmitReply r;
      r.status = SubmitReply::Status::refused;
      r.retryable = is_retryable(code);
      r.code = std::move(code);
      r.message = std::move(message);
      send(peer, proto::submit_reply(submit.request_id, r));
    };
    if (!peer.inbound) return protocol_error(peer, "no_capability", "HELLO did not say inbound");
    if (submitter_ == nullptr) {
      return reply("inbound_disabled", "this gateway takes no submissions here");
    }
    if (peer.submits_in_flight >= options_.max_submit_in_flight) {
      ++counters_.submits_overloaded;
      return reply("overloaded", "too many submissions awaiting a reply; retry later");
    }
    ++peer.submits_in_flight;
    ++counters_.submits;
    boost::asio::post(
        io_, [self = shared_from_this(), agency = peer.agency, routing_id = peer.routing_id,
              request_id = submit.request_id, body = submit.envelope]() mutable {
          self->submitter_->submit(
              agency, std::move(body), [self, routing_id, request_id](SubmitReply r) {
                // Dropped once stopped: the adapter resubmits and is answered `duplicate`.
                self->enqueue([self = self.get(), routing_id, request_id, r = std::move(r)] {
                  self->on_submit_done(routing_id, request_id, r);
                });
              });
        });
  }

  void on_submit_done(const std::string& routing_id, const std::string& request_id,
                      const SubmitReply& reply) {
    const auto it = peers_.find(routing_id);
    if (it == peers_.end()) return;  // the connection is gone: nobody to tell
    --it->second.submits_in_flight;
    send(it->second, proto::submit_reply(request_id, reply));
  }

  void on_deliver(std::uint64_t adapter, const std::string& agency, OutboundMessage message,
                  const OutboundAdapter::Done& done) {
    const auto current = current_.find(agency);
    Peer* peer = nullptr;
    if (current != current_.end()) peer = &peers_.at(current->second);
    if (peer == nullptr || !peer->outbound) {
      return finish(done, DeliveryStatus::retry_later, "no zmq adapter connected for " + agency);
    }
    if (in_flight_[agency] >= options_.max_in_flight) {
      return finish(done, DeliveryStatus::retry_later, "max_in_flight deliveries awaiting ack");
    }
    PendingKey key{agency, message.delivery_id};
    if (pending_.count(key)) {
      return finish(done, DeliveryStatus::retry_later, "this delivery is already in flight");
    }
    const std::string routing_id = peer->routing_id;
    // Read before sending: the answer (and a clock the peer's side moves) may come at once.
    const auto deadline = now_ms_() + options_.ack_timeout_ms;
    if (!send(*peer, proto::deliver(message))) {
      return finish(done, DeliveryStatus::retry_later, "zmq adapter unreachable");
    }
    ++counters_.delivers;
    ++in_flight_[agency];
    pending_.emplace(std::move(key), Pending{routing_id, adapter, deadline, done});
  }

  void on_outcome(Peer& peer, std::int64_t delivery_id, DeliveryStatus status, std::string detail) {
    const auto it = pending_.find({peer.agency, delivery_id});
    if (it == pending_.end() || it->second.routing_id != peer.routing_id) {
      return protocol_error(peer, "unknown_delivery",
                            "no delivery " + std::to_string(delivery_id) + " awaits an answer");
    }
    ++(status == DeliveryStatus::delivered ? counters_.acks : counters_.nacks);
    finish(it->second.done, status, std::move(detail));
    --in_flight_[peer.agency];
    pending_.erase(it);
  }

  template <typename Predicate>
  void fail_pending(Predicate matches, const std::string& detail) {
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (matches(it->second)) {
        finish(it->second.done, DeliveryStatus::retry_later, detail);
        --in_flight_[it->first.first];
        it = pending_.erase(it);
      } else {
        ++it;
      }
    }
  }

  // Drops a connection's state; its unanswered deliveries go back to the worker.
  void forget(std::string routing_id, const std::string& why) {  // a copy: it erases the owner
    const auto it = peers_.find(routing_id);
    if (it == peers_.end()) return;
    if (it->second.welcomed) {
      spdlog::info("zmq port: {} disconnected: {}", it->second.agency, why);
      --counters_.peers_connected;
      if (auto c = current_.find(it->second.agency);
          c != current_.end() && c->second == routing_id) {
        current_.erase(c);
      }
    }
    fail_pending([&](const Pending& p) { return p.routing_id == routing_id; },
                 "zmq adapter gone: " + why);
    peers_.erase(it);
  }

  // False when the peer cannot take it (disconnected, or its queue is full): the peer is then
  // treated as gone, since a peer that stopped reading will not ACK either.
  bool send(Peer& peer, const proto::Frames& frames) {
    try {
      auto sent = router_.send(zmq::buffer(peer.routing_id),
                               zmq::send_flags::sndmore | zmq::send_flags::dontwait);
      if (sent) {
        for (std::size_t i = 0; i < frames.size(); ++i) {
          router_.send(zmq::buffer(frames[i]),
                       i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
        }
        peer.last_sent_ms = now_ms_();
        return true;
      }
    } catch (const zmq::error_t& e) {
      if (e.num() != EHOSTUNREACH) spdlog::warn("zmq port: send to {}: {}", peer.agency, e.what());
    }
    unreachable_.push_back(peer.routing_id);  // forgotten in timers(), not under our callers
    return false;
  }

  void timers() {
    const auto now = now_ms_();
    const auto silence = 3 * options_.heartbeat_ms;
    for (const auto& routing_id : std::exchange(unreachable_, {}))
      forget(routing_id, "unreachable");
    std::vector<std::string> expired;
    for (auto& [routing_id, peer] : peers_) {
      if (now - peer.last_seen_ms > silence) {
        expired.push_back(routing_id);
      } else if (peer.welcomed && now - peer.last_sent_ms >= options_.heartbeat_ms) {
        send(peer, proto::ping());
      }
    }
    for (const auto& routing_id : expired) {
      Peer& peer = peers_.at(routing_id);
      if (peer.welcomed) {
        ++counters_.peers_expired;
        spdlog::warn("zmq port: {} silent for 3 heartbeats: disconnected", peer.agency);
        send(peer, proto::bye("expired"));
      }
      forget(routing_id, "heartbeat expired");
    }
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (now >= it->second.deadline_ms) {
        ++counters_.ack_timeouts;
        finish(it->second.done, DeliveryStatus::retry_later, "no ACK before ack_timeout_ms");
        --in_flight_[it->first.first];
        it = pending_.erase(it);
      } else {
        ++it;
      }
    }
  }

  const ZmqPortOptions options_;
  const CurveKeyPair keys_;
  boost::asio::io_context& io_;
  Submitter* const submitter_;
  const Clock now_ms_;
  std::map<std::string, std::string> agency_of_key_;  // raw 32-byte key → agency
  std::atomic<std::uint64_t> adapter_ids_{0};
  Counters counters_;

  mutable std::mutex mutex_;  // guards the fields below up to the I/O thread's own
  bool started_ = false;
  bool running_ = false;
  std::deque<std::function<void()>> commands_;
  std::string endpoint_;
  std::thread thread_;

  // Owned by the I/O thread once started.
  zmq::context_t context_;
  zmq::socket_t router_;
  zmq::socket_t zap_;
  int wake_fd_ = -1;  // written under mutex_ (start, shutdown); read by wake() under it
  std::map<std::string, Peer> peers_;           // by routing id
  std::map<std::string, std::string> current_;  // agency → routing id of its welcomed peer
  std::map<PendingKey, Pending> pending_;
  std::map<std::string, std::size_t> in_flight_;  // agency → pending deliveries
  std::vector<std::string> unreachable_;
};

namespace {

class ZmqOutbound final : public OutboundAdapter {
 public:
  ZmqOutbound(std::shared_ptr<ZmqPort::Core> core, std::string agency)
      : core_(std::move(core)), agency_(std::move(agency)), id_(core_->new_adapter_id()) {}
  ~ZmqOutbound() override { stop(); }

  std::string_view kind() const override { return "zmq"; }
  std::size_t max_in_flight() const override { return core_->max_in_flight(); }
  void deliver(OutboundMessage message, Done done) override {
    core_->deliver(id_, agency_, std::move(message), std::move(done));
  }
  void stop() override { core_->cancel(id_); }

 private:
  std::shared_ptr<ZmqPort::Core> core_;
  std::string agency_;
  std::uint64_t id_;
};

}  // namespace

Result<std::unique_ptr<ZmqPort>> ZmqPort::create(ZmqPortOptions options,
                                                 boost::asio::io_context& io, Submitter* submitter,
                                                 Clock now_ms, env::Env& env) {
  if (!now_ms) return make_error("invalid_argument", "zmq port: no clock");
  if (options.secret_key_path.empty()) {
    return make_error("invalid_argument", "zmq port: no secret_key path");
  }
  auto keys = load_or_create_secret_key(options.secret_key_path, env);
  if (!keys.ok()) return keys.error();
  for (const auto& b : options.adapters) {
    if (!is_z85_key(b.public_key)) {
      return make_error("invalid_argument", "zmq port: bad public key for " + b.agency);
    }
  }
  auto core = std::make_shared<Core>(std::move(options), std::move(keys.value()), io, submitter,
                                     std::move(now_ms));
  return std::unique_ptr<ZmqPort>(new ZmqPort(std::move(core)));
}

ZmqPort::ZmqPort(std::shared_ptr<Core> core) : core_(std::move(core)) {}
ZmqPort::~ZmqPort() {
  stop();
}
Status ZmqPort::start() {
  return core_->start();
}
void ZmqPort::stop() {
  core_->stop();
}
const std::string& ZmqPort::public_key() const {
  return core_->public_key();
}
std::string ZmqPort::endpoint() const {
  return core_->endpoint();
}
bool ZmqPort::serves(const std::string& agency) const {
  return core_->serves(agency);
}
ZmqPortStats ZmqPort::stats() const {
  return core_->stats();
}

std::unique_ptr<OutboundAdapter> ZmqPort::outbound_for(const std::string& agency) {
  return std::make_unique<ZmqOutbound>(core_, agency);
}

}  // namespace accord::adapters
