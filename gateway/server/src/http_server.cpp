#include "accord/server/http_server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/address.hpp>

#include "connection.hpp"
#include "crl_watcher.hpp"
#include "listener.hpp"
#include "server_state.hpp"
#include "tls_context.hpp"

namespace accord::server {
namespace {

namespace net = boost::asio;

class ServerImpl final : public HttpServer {
 public:
  ServerImpl(net::io_context& io, ServerOptions options, RequestHandler& handler, Metrics& metrics)
      : state_(std::make_shared<ServerState>(io, std::move(options), handler, metrics)) {}

  ~ServerImpl() override {
    // Connections already open carry on (they share the state) until they end or the
    // io_context stops; no new ones are accepted.
    if (listener_) listener_->stop(nullptr);
    if (watcher_) watcher_->stop();
  }

  Status start() override {
    if (listener_) return make_error("bind", "server already started");
    if (auto tls = state_->load_tls(false); !tls) return tls.error();
    if (state_->options.tls.revocation == Revocation::none) {
      spdlog::critical(
          "REVOCATION CHECKING IS OFF (tls.revocation: none): a revoked client certificate is "
          "accepted on {}:{}",
          state_->options.address, state_->options.port);
    }

    boost::system::error_code ec;
    auto address = net::ip::make_address(state_->options.address, ec);
    if (ec) {
      return make_error("bind", "invalid listen address '" + state_->options.address + "'",
                        state_->options.address);
    }
    auto listener = std::make_shared<Listener>(state_);
    if (auto st = listener->open({address, state_->options.port}); !st) return st;
    listener_ = std::move(listener);
    listener_->run();
    if (state_->options.crl_check_interval.count() > 0 &&
        state_->options.tls.revocation == Revocation::crl) {
      watcher_ = std::make_shared<CrlWatcher>(state_);
      watcher_->run();
    }
    spdlog::info("accord server listening on {}:{}", state_->options.address, listener_->port());
    return Status::Ok();
  }

  std::uint16_t port() const override { return listener_ ? listener_->port() : 0; }

  Result<CrlInfo> reload_tls() override {
    if (!listener_) return make_error("tls_config", "server not started");
    auto loaded = state_->load_tls(true);
    if (!loaded) {
      spdlog::error("TLS reload refused, keeping the current context: {}", loaded.error().message);
    }
    return loaded;
  }

  void drain(std::function<void()> done) override {
    state_->set_draining();
    if (watcher_) watcher_->stop();
    auto tell_connections = [state = state_, done = std::move(done)]() mutable {
      for (auto& connection : state->begin_drain(std::move(done))) connection->on_drain();
    };
    // The acceptor closes first, so no connection appears after the snapshot.
    if (listener_) {
      listener_->stop(std::move(tell_connections));
    } else {
      tell_connections();
    }
  }

  std::size_t close_peer_connections(PeerRole role, const std::string& id) override {
    auto connections = state_->connections_of(std::string(role_name(role)) + ":" + id);
    for (auto& connection : connections) connection->on_drain();
    return connections.size();
  }

  std::size_t peer_connections(PeerRole role, const std::string& id) const override {
    return state_->count_of(std::string(role_name(role)) + ":" + id);
  }

 private:
  std::shared_ptr<ServerState> state_;
  std::shared_ptr<Listener> listener_;
  std::shared_ptr<CrlWatcher> watcher_;
};

}  // namespace

std::unique_ptr<HttpServer> make_http_server(net::io_context& io, ServerOptions options,
                                             RequestHandler& handler, Metrics& metrics) {
  return std::make_unique<ServerImpl>(io, std::move(options), handler, metrics);
}

}  // namespace accord::server
