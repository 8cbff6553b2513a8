// RabbitMQ driver for bench/peers.sh: rabbitmq-c (Debian's librabbitmq) over mutual TLS,
// persistent messages (delivery_mode 2) through the default exchange to one durable quorum
// queue, publisher confirms (confirm.select); a basic.ack is the durable acknowledgement.
#include <amqp.h>
#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>
#include <sys/time.h>

#include "driver.hpp"

namespace {

using accord::make_error;
using accord::Result;
using accord::Status;
using accord::peers::Confirm;
using accord::peers::Options;

constexpr amqp_channel_t kChannel = 1;

std::string reply_error(const amqp_rpc_reply_t& r) {
  switch (r.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return {};
    case AMQP_RESPONSE_NONE:
      return "missing RPC reply";
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return amqp_error_string2(r.library_error);
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD || r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        // Both close methods start with reply_code, reply_text.
        const auto* m = static_cast<amqp_channel_close_t*>(r.reply.decoded);
        return std::to_string(m->reply_code) + " " +
               std::string(static_cast<const char*>(m->reply_text.bytes), m->reply_text.len);
      }
      return "server exception " + std::to_string(r.reply.id);
  }
  return "unknown reply";
}

class RabbitPublisher final : public accord::peers::Publisher {
 public:
  RabbitPublisher() : conn_(amqp_new_connection()) {}
  ~RabbitPublisher() override {
    if (open_) {
      (void)amqp_channel_close(conn_, kChannel, AMQP_REPLY_SUCCESS);
      (void)amqp_connection_close(conn_, AMQP_REPLY_SUCCESS);
    }
    amqp_destroy_connection(conn_);
  }

  Status open(const Options& o) {
    amqp_socket_t* s = amqp_ssl_socket_new(conn_);
    if (s == nullptr) return make_error("tls", "amqp_ssl_socket_new failed");
    if (amqp_ssl_socket_set_cacert(s, o.ca.c_str()) != AMQP_STATUS_OK ||
        amqp_ssl_socket_set_key(s, o.cert.c_str(), o.key.c_str()) != AMQP_STATUS_OK) {
      return make_error("tls", "cannot load " + o.ca + " / " + o.cert + " / " + o.key);
    }
    amqp_ssl_socket_set_verify_peer(s, 1);
    amqp_ssl_socket_set_verify_hostname(s, 1);
    if (int rc = amqp_socket_open(s, o.host.c_str(), o.port); rc != AMQP_STATUS_OK) {
      return make_error("connect", amqp_error_string2(rc));
    }
    // The client certificate is checked by the TLS listener (fail_if_no_peer_cert); the AMQP
    // login is the loopback-only guest user.
    auto r = amqp_login(conn_, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest");
    if (r.reply_type != AMQP_RESPONSE_NORMAL) return make_error("login", reply_error(r));
    amqp_channel_open(conn_, kChannel);
    if (r = amqp_get_rpc_reply(conn_); r.reply_type != AMQP_RESPONSE_NORMAL) {
      return make_error("channel", reply_error(r));
    }
    amqp_confirm_select(conn_, kChannel);
    if (r = amqp_get_rpc_reply(conn_); r.reply_type != AMQP_RESPONSE_NORMAL) {
      return make_error("confirm.select", reply_error(r));
    }
    open_ = true;
    queue_ = o.target;
    return {};
  }

  Status declare_quorum_queue() {
    amqp_table_entry_t arg;
    arg.key = amqp_cstring_bytes("x-queue-type");
    arg.value.kind = AMQP_FIELD_KIND_UTF8;
    arg.value.value.bytes = amqp_cstring_bytes("quorum");
    amqp_table_t args{1, &arg};
    amqp_queue_declare(conn_, kChannel, amqp_cstring_bytes(queue_.c_str()), 0, 1, 0, 0, args);
    auto r = amqp_get_rpc_reply(conn_);
    if (r.reply_type != AMQP_RESPONSE_NORMAL) return make_error("queue.declare", reply_error(r));
    return {};
  }

  Result<std::uint64_t> publish(std::string_view body) override {
    amqp_basic_properties_t props{};
    props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_CONTENT_TYPE_FLAG;
    props.delivery_mode = 2;  // persistent
    props.content_type = amqp_cstring_bytes("application/json");
    amqp_bytes_t b{body.size(), const_cast<char*>(body.data())};
    int rc = amqp_basic_publish(conn_, kChannel, amqp_empty_bytes,
                                amqp_cstring_bytes(queue_.c_str()), 0, 0, &props, b);
    if (rc != AMQP_STATUS_OK) return make_error("amqp", amqp_error_string2(rc));
    return ++next_tag_;  // confirm delivery tags count publishes from 1 on the channel
  }

  Result<std::vector<Confirm>> wait(std::chrono::milliseconds timeout) override {
    std::vector<Confirm> out;
    timeval tv{static_cast<time_t>(timeout.count() / 1000),
               static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
    // Block for the first frame, then take whatever is already buffered.
    do {
      amqp_frame_t f;
      int rc = amqp_simple_wait_frame_noblock(conn_, &f, out.empty() ? &tv : nullptr);
      if (rc == AMQP_STATUS_TIMEOUT) break;
      if (rc != AMQP_STATUS_OK) return make_error("amqp", amqp_error_string2(rc));
      if (f.frame_type != AMQP_FRAME_METHOD) continue;
      switch (f.payload.method.id) {
        case AMQP_BASIC_ACK_METHOD: {
          const auto* a = static_cast<amqp_basic_ack_t*>(f.payload.method.decoded);
          out.push_back({a->delivery_tag, a->multiple != 0, true, {}});
          break;
        }
        case AMQP_BASIC_NACK_METHOD: {
          const auto* a = static_cast<amqp_basic_nack_t*>(f.payload.method.decoded);
          out.push_back({a->delivery_tag, a->multiple != 0, false, "basic.nack"});
          break;
        }
        case AMQP_CHANNEL_CLOSE_METHOD:
        case AMQP_CONNECTION_CLOSE_METHOD: {
          const auto* m = static_cast<amqp_channel_close_t*>(f.payload.method.decoded);
          open_ = false;
          return make_error("closed", std::to_string(m->reply_code) + " " +
                                          std::string(static_cast<const char*>(m->reply_text.bytes),
                                                      m->reply_text.len));
        }
        default:
          break;  // basic.return and the like: not expected without mandatory
      }
    } while (amqp_frames_enqueued(conn_) || amqp_data_in_buffer(conn_));
    amqp_maybe_release_buffers(conn_);
    return out;
  }

 private:
  amqp_connection_state_t conn_;
  bool open_ = false;
  std::string queue_;
  std::uint64_t next_tag_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  accord::peers::Peer peer;
  peer.name = "rabbitmq";
  peer.ack_meaning = "publisher confirm: quorum queue, Raft log fsync'd (batched)";
  peer.setup = [](const Options& o) -> Status {
    RabbitPublisher p;
    if (auto s = p.open(o); !s) return s;
    return p.declare_quorum_queue();
  };
  peer.connect = [](const Options& o, int) -> Result<std::unique_ptr<accord::peers::Publisher>> {
    auto p = std::make_unique<RabbitPublisher>();
    if (auto s = p->open(o); !s) return s.error();
    return std::unique_ptr<accord::peers::Publisher>(std::move(p));
  };
  return accord::peers::main_for(peer, argc, argv);
}
