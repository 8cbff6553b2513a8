// Group commit: each copy is written (and, with fsync, its file fsync'd and renamed) by one of
// `writers` threads; the directory fsync that makes those renames durable is shared: whichever
// writer finds no fsync running takes every copy renamed so far, fsyncs the directory once and
// reports them all. A copy is reported `delivered` only by a directory fsync that began after
// its own rename, so an ack still means its file is durable (docs/adapters.md).
#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <mutex>
#include <vector>

#include "accord/adapters/filedrop.hpp"
#include "accord/yaml/fields.hpp"

namespace accord::adapters {
namespace {

namespace net = boost::asio;

class FiledropOutbound final : public OutboundAdapter {
 public:
  FiledropOutbound(FiledropOutboundSettings settings, net::io_context& io, env::Env& env)
      : settings_(std::move(settings)),
        io_(io),
        env_(env),
        pool_(static_cast<std::size_t>(settings_.writers)) {}
  // Joining the pool means no job touches the adapter after it is gone.
  ~FiledropOutbound() override {
    stop();
    pool_.join();
  }

  std::string_view kind() const override { return "filedrop"; }
  std::size_t max_in_flight() const override { return settings_.max_in_flight; }

  void deliver(OutboundMessage message, Done done) override {
    net::post(pool_, [this, message = std::move(message), done = std::move(done)]() mutable {
      if (stopped_)
        return report(std::move(done), {DeliveryStatus::retry_later, "adapter stopped"});
      const std::string name = filedrop_file_name(message);
      auto status = write_file_atomically(settings_.directory, name, message.document,
                                          settings_.fsync, env_, /*sync_directory=*/false);
      if (!status.ok()) {
        return report(std::move(done), {DeliveryStatus::retry_later, status.error().message});
      }
      if (!settings_.fsync) {
        return report(std::move(done), {DeliveryStatus::delivered, "wrote " + name});
      }
      {
        std::lock_guard lock(mu_);
        renamed_.push_back({std::move(name), std::move(done)});
        if (syncing_) return;  // the running fsync's owner takes this one in its next round
        syncing_ = true;
      }
      sync_rounds();
    });
  }

  void stop() override { stopped_ = true; }

 private:
  struct Renamed {
    std::string name;
    Done done;
  };

  // Until nothing is waiting: take every copy renamed so far, fsync the directory once,
  // report them all.
  void sync_rounds() {
    for (;;) {
      std::vector<Renamed> group;
      {
        std::lock_guard lock(mu_);
        if (renamed_.empty()) {
          syncing_ = false;
          return;
        }
        group.swap(renamed_);
      }
      const Status synced = env_.sync_directory(settings_.directory);
      for (auto& copy : group) {
        DeliveryOutcome outcome{DeliveryStatus::delivered, "wrote " + copy.name};
        // The file may be there but its name is not durable: delivered again (same name).
        if (!synced.ok()) outcome = {DeliveryStatus::retry_later, synced.error().message};
        report(std::move(copy.done), std::move(outcome));
      }
    }
  }

  // After stop() every pending `done` reports retry_later (the contract); a file written
  // meanwhile is simply overwritten by the redelivery.
  void report(Done done, DeliveryOutcome outcome) {
    if (stopped_) outcome = {DeliveryStatus::retry_later, "adapter stopped"};
    net::post(io_, [done = std::move(done), outcome = std::move(outcome)]() mutable {
      done(std::move(outcome));
    });
  }

  FiledropOutboundSettings settings_;
  net::io_context& io_;
  env::Env& env_;
  std::atomic<bool> stopped_{false};
  std::mutex mu_;
  std::vector<Renamed> renamed_;  // guarded by mu_: renamed, waiting for a directory fsync
  bool syncing_ = false;          // guarded by mu_: a writer is running sync_rounds()
  net::thread_pool pool_;         // declared last: destroyed (joined) first
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
      {"max_in_flight",
       [&](const YAML::Node& n) {
         return yaml::read_count(n, "max_in_flight", out.max_in_flight);
       }},
      {"writers",
       [&](const YAML::Node& n) {
         if (auto st = yaml::read_count(n, "writers", out.writers); !st.ok()) return st;
         if (out.writers > kMaxFiledropWriters) {
           return Status(yaml::error_at(n, "writers is at most " +
                                               std::to_string(kMaxFiledropWriters) +
                                               " (each is a thread of the adapter)"));
         }
         return Status::Ok();
       }},
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
