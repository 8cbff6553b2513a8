// The admin listener's hooks into the gateway: audit reads and checkpoints, dead letters,
// reloads. Blocking work runs on the admin executor (Gateway::offload), never on the io
// threads or the spool's completion thread.
#include <spdlog/spdlog.h>

#include "accord/app/gateway.hpp"
#include "accord/app/storage_health.hpp"
#include "gateway_spool.hpp"

namespace accord::app {

api::AdminHooks Gateway::admin_hooks() {
  api::AdminHooks hooks;
  // The SQLite file, or the PostgreSQL URI: AuditReader::open takes either.
  hooks.audit_db_path = audit_location(config_);
  hooks.storage_unavailable = [this] { return storage_health_->unavailable(clock_()); };
  hooks.audit_checkpoint = [this](std::function<void(Status)> done) {
    // The answer reads the new checkpoint from the database: not on the spool's thread.
    waking_spool_->checkpoint(clock_(), [this, done = std::move(done)](Status s) mutable {
      offload([done = std::move(done), s = std::move(s)]() mutable { done(std::move(s)); });
    });
  };
  hooks.list_dead_letters = [this](std::string recipient, std::size_t limit, auto done) {
    waking_spool_->list_dead_letters(std::move(recipient), limit, std::move(done));
  };
  // Through the waking spool: a redriven copy is pushed at once, not at the idle poll.
  hooks.redrive = [this](spool::RedriveRequest request, auto done) {
    request.now_ms = clock_();
    waking_spool_->redrive(std::move(request), std::move(done));
  };
  hooks.retention_purge = [this](std::string actor, auto done) {
    // The agreements are read under the reload lock: not on an io thread.
    offload([this, actor = std::move(actor), done = std::move(done)]() mutable {
      purge_retention(std::move(actor), std::move(done));
    });
  };
  hooks.reload = [this] { return reload_now(); };  // offloaded by the handler
  hooks.record_audit = [this](std::vector<audit::Event> events, std::function<void(Status)> done) {
    waking_spool_->record(std::move(events), std::move(done));
  };
  hooks.now_ms = [this] { return clock_(); };
  hooks.offload = [this](std::function<void()> work) { offload(std::move(work)); };
  hooks.describe_agreements = [this] {
    std::lock_guard lock(reload_mutex_);
    return loaded_->description;
  };
  return hooks;
}

}  // namespace accord::app
