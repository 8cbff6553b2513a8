#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "accord/adapters/filedrop.hpp"
#include "accord/yaml/fields.hpp"

namespace accord::adapters {
namespace {

namespace net = boost::asio;

class FiledropOutbound final : public OutboundAdapter {
 public:
  FiledropOutbound(FiledropOutboundSettings settings, net::io_context& io, env::Env& env)
      : settings_(std::move(settings)), io_(io), env_(env) {}
  // Joining the pool means no job touches the adapter after it is gone.
  ~FiledropOutbound() override {
    stop();
    pool_.join();
  }

  std::string_view kind() const override { return "filedrop"; }

  void deliver(OutboundMessage message, Done done) override {
    net::post(pool_, [this, message = std::move(message), done = std::move(done)]() mutable {
      DeliveryOutcome outcome{DeliveryStatus::retry_later, "adapter stopped"};
      if (!stopped_) {
        const std::string name = filedrop_file_name(message);
        auto status = write_file_atomically(settings_.directory, name, message.document,
                                            settings_.fsync, env_);
        // After stop() every pending `done` reports retry_later (the contract); a file
        // written meanwhile is simply overwritten by the redelivery.
        if (stopped_) {
          outcome = {DeliveryStatus::retry_later, "adapter stopped"};
        } else if (status.ok()) {
          outcome = {DeliveryStatus::delivered, "wrote " + name};
        } else {
          outcome = {DeliveryStatus::retry_later, status.error().message};
        }
      }
      net::post(io_, [done = std::move(done), outcome = std::move(outcome)]() mutable {
        done(std::move(outcome));
      });
    });
  }

  void stop() override { stopped_ = true; }

 private:
  FiledropOutboundSettings settings_;
  net::io_context& io_;
  env::Env& env_;
  std::atomic<bool> stopped_{false};
  net::thread_pool pool_{1};  // declared last: destroyed (joined) first
};

}  // namespace

Result<FiledropOutboundSettings> parse_filedrop_outbound_settings(const YAML::Node& settings,
                                                                  const std::string& base_dir) {
  FiledropOutboundSettings out;
  yaml::Handlers handlers = {
      {"type",
       [&](const YAML::Node& n) {
         std::string type;
         if (auto st = yaml::read_scalar(n, "type", type); !st.ok()) return st;
         if (type != "filedrop") return Status(yaml::error_at(n, "type must be filedrop"));
         return Status::Ok();
       }},
      {"directory",
       [&](const YAML::Node& n) {
         if (auto st = yaml::read_scalar(n, "directory", out.directory); !st.ok()) return st;
         if (out.directory.empty()) return Status(yaml::error_at(n, "directory is empty"));
         out.directory = yaml::resolve_path(base_dir, out.directory);
         return Status::Ok();
       }},
      {"fsync", [&](const YAML::Node& n) { return yaml::read_scalar(n, "fsync", out.fsync); }},
  };
  if (auto st = yaml::read_mapping(settings, "filedrop outbound adapter", handlers); !st.ok()) {
    return st.error();
  }
  if (out.directory.empty()) {
    return yaml::error_at(settings, "filedrop outbound adapter needs directory");
  }
  return out;
}

std::string filedrop_file_name(const OutboundMessage& message) {
  std::string id;
  for (char c : message.message_id.substr(0, 128)) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
    id += keep ? c : '_';
  }
  if (id.empty()) id = "_";
  return std::to_string(message.received_at_ms) + "-" + std::to_string(message.delivery_id) + "-" +
         id + ".json";
}

Result<std::unique_ptr<OutboundAdapter>> make_filedrop_outbound(const AdapterContext& context) {
  if (context.io == nullptr) {
    return make_error("invalid_argument",
                      "filedrop adapter for " + context.agency + ": no io_context");
  }
  auto settings = parse_filedrop_outbound_settings(context.settings, context.base_dir);
  if (!settings.ok()) return settings.error();
  return std::unique_ptr<OutboundAdapter>(std::make_unique<FiledropOutbound>(
      std::move(*settings), *context.io, context.env ? *context.env : env::system_env()));
}

}  // namespace accord::adapters
