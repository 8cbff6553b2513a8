// The whole gateway as one object: main() builds it from a config and runs it; the
// integration tests do the same in-process. Only wiring lives here: it owns, in start order,
// the vocabulary and policy, the spool, the delivery manager (outbound adapters and their
// workers), the pipeline, the API handlers, the TLS servers and their io threads, the
// adapter ports (ZeroMQ) and the inbound adapters.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "accord/adapters/registry.hpp"
#include "accord/agreements/agency.hpp"
#include "accord/agreements/agreement_set.hpp"
#include "accord/api/admin_handler.hpp"
#include "accord/api/api_handler.hpp"
#include "accord/app/config.hpp"
#include "accord/crypto/signature.hpp"
#include "accord/delivery/manager.hpp"
#include "accord/delivery/waking_spool.hpp"
#include "accord/env/env.hpp"
#include "accord/envelope/vocabulary.hpp"
#include "accord/governance/lifecycle.hpp"
#include "accord/governance/signing.hpp"
#include "accord/pipeline/pipeline.hpp"
#include "accord/server/health_server.hpp"
#include "accord/server/http_server.hpp"
#include "accord/server/metrics.hpp"
#include "accord/spool/spool.hpp"

namespace accord::app {

struct LoadedPolicy;
class StorageHealth;
struct ComplianceRules;
class ComplianceTracker;
class GovernanceLog;
class FlowCounters;
class StatusNotifier;

class Gateway {
 public:
  // Loads everything the config names, opens the spool and builds the adapters the config
  // names from `registry` (main registers the built-ins, and the ZeroMQ port when the config
  // has a zmq: section); does not listen yet. Errors name the file or setting at fault.
  static Result<std::unique_ptr<Gateway>> create(GatewayConfig config,
                                                 adapters::Registry registry = {});
  ~Gateway();

  // accord-gateway --check: everything create() and start() would refuse (configuration,
  // vocabulary, agreements, pseudonym secret, signing key, the spool against its manifest,
  // adapter settings, inbound adapter directories), without side effects: nothing is
  // created, migrated or locked, and the spool is opened read-only.
  static Status check(GatewayConfig config, adapters::Registry registry = {});

  // Binds the listeners, starts the io threads, the adapter ports, the inbound adapters and
  // the delivery workers.
  Status start();
  std::uint16_t port() const;
  std::uint16_t admin_port() const;   // 0 when the admin listener is disabled
  std::uint16_t health_port() const;  // 0 when the health listener is disabled

  // Re-reads agencies and agreements and swaps them in atomically (requests in flight keep
  // the set they started with; no connection is dropped). On any error the current set stays.
  // Logs the old and new content hash. Safe from any thread; reloads are serialised.
  // `via_api`: a statement the admin API has just accepted (its audit record names `api`).
  Result<api::ReloadReport> reload_policy(std::optional<governance::Statement> via_api = {});
  // What SIGHUP and POST /v1/admin/agreements/reload do: re-reads the TLS files of both
  // listeners (a new CRL takes effect for new handshakes, and live connections whose
  // certificate it revokes are closed), then reload_policy(). A TLS error (say an unreadable
  // CRL) refuses the whole reload: the current TLS context and agreements stay. Runs on the
  // admin executor (never an io thread or the spool's); blocks the caller until done.
  Result<api::ReloadReport> reload();

  // Graceful stop: stop accepting, finish in-flight requests, stop delivery (the manager's
  // order), stop the ports, flush the spool. Blocks.
  void stop();

  // The compliance tracker's refresh (docs/compliance.md §6): folds the audit records written
  // since the last one, updates the accord_compliance_* figures at the Env's now and sends the
  // oversight feed when a month has ended. Runs every compliance.refresh_seconds on the admin
  // executor; tests that move a FakeEnv clock call it directly (it blocks). Error
  // compliance_unconfigured without a compliance: section.
  Status refresh_compliance();
  // Retention (docs/compliance.md §9): purges the spool's copies past their recipient's
  // retention at the Env clock's now (cutoffs from the agreements in force), then the inbound
  // adapters' kept files (the file drop's extracts). Runs every retention.purge_every_seconds
  // and on POST /v1/admin/retention/purge; `actor` is audited ("schedule" or the admin's id).
  // `done` runs on the admin executor.
  void purge_retention(std::string actor,
                       std::function<void(Result<api::RetentionPurgeReport>)> done);

  // Status notices (docs/receipts.md, "Status notices"): emits every pending notice as a
  // signed copy for its submission's sender, at the Env clock's now; returns how many. Runs
  // every second on the admin executor; tests that move a FakeEnv clock call it directly (it
  // blocks). A storage error leaves the rest pending for the next run.
  Result<std::size_t> emit_status_notices();

  // The lifecycle's minute check (docs/agreements.md, "Co-signed activation and the
  // lifecycle"): re-evaluates the loaded versions at the Env clock's now against the audit
  // log (an agreement past its valid_until is recorded expired; a state another gateway on
  // the same database recorded is taken up by a reload). Runs every 60 s on the admin
  // executor; tests that move a FakeEnv clock call it directly (it blocks).
  Status check_governance();
  // The admin API's governance actions (docs/api.yaml), blocking: a signature or suspension
  // statement's JSON text (`expected` says which the route takes), and a proposed agreement
  // file. Refusals are audited (agreement.signature_refused) and returned as errors.
  Result<api::GovernanceAnswer> submit_statement(governance::StatementKind expected,
                                                 std::string_view body);
  Result<api::GovernanceAnswer> propose_agreement(const std::string& file, const std::string& text);

  boost::asio::io_context& io() { return io_; }
  spool::Spool& spool() { return *spool_; }
  server::Metrics& metrics() { return metrics_; }
  const GatewayConfig& config() const { return config_; }

 private:
  explicit Gateway(GatewayConfig config);
  // The steps check() and create() share, in start's order: the descriptor limit, the
  // vocabulary, then agencies, agreements and keys. The pseudonym secret is made only on a
  // first start, and never by a check (which validates with a throw-away one).
  Result<std::shared_ptr<const LoadedPolicy>> load_inputs(bool check_only);
  // The ports, then each agency's adapters. check_only: validates the outbound adapters
  // without keeping them (there is no spool, so no delivery).
  Status build_adapters(adapters::Registry registry, bool check_only = false);
  api::AdminHooks admin_hooks();           // gateway_admin.cpp
  Result<api::ReloadReport> reload_now();  // on the admin executor
  // Blocking maintenance (reloads, audit reads, checkpoint answers) runs here.
  void offload(std::function<void()> work);
  void record(std::vector<audit::Event> events);  // admin acts: durable soon, never blocks
  void record_start();
  // Arms the compliance refresh `delay` from now (real time: the cadence, not a figure).
  void schedule_compliance_refresh(std::chrono::milliseconds delay);
  void schedule_purge();  // gateway_retention.cpp: arms the periodic purge's timer
  // gateway_governance.cpp: writes `events` in one transaction and waits until they are
  // durable (the lifecycle's records must be in the log before what they allow happens).
  Status record_and_wait(std::vector<audit::Event> events);
  void schedule_governance_check();
  // The lifecycle records of a load and the records written with them, in one transaction.
  std::vector<audit::Event> governance_records(const LoadedPolicy& loaded, std::int64_t at_ms);

  GatewayConfig config_;
  env::Env& env_;                        // config_.env, or env::system_env()
  std::function<std::int64_t()> clock_;  // env_.now_ms, as the components' Clock functions
  boost::asio::io_context io_;
  // Keeps the io threads running while the only pending work is outside Asio (a request
  // waiting for the spool's commit): without it run() returns and that answer is never sent.
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  envelope::Vocabulary vocabulary_;
  server::Metrics metrics_;
  std::optional<crypto::GatewaySigner> signer_;
  std::unique_ptr<spool::Spool> spool_;
  // Readiness from the spool's answers (/healthz, accord_storage_*): every caller goes
  // through health_spool_, which reports each answer of spool_ to storage_health_.
  std::unique_ptr<StorageHealth> storage_health_;
  std::unique_ptr<spool::Spool> health_spool_;
  std::unique_ptr<delivery::Manager> delivery_;
  // What the pipeline and the admin hooks write through: wakes delivery on every store.
  std::unique_ptr<delivery::WakingSpool> waking_spool_;
  std::unique_ptr<pipeline::Pipeline> pipeline_;
  std::unique_ptr<api::ApiHandler> api_;
  std::unique_ptr<server::HttpServer> server_;
  std::unique_ptr<api::AdminHandler> admin_;
  std::unique_ptr<server::HttpServer> admin_server_;
  std::unique_ptr<server::HealthServer> health_server_;  // health_listen; null when absent
  std::unique_ptr<adapters::Submitter> submitter_;
  std::vector<std::unique_ptr<adapters::Port>> ports_;
  std::vector<std::unique_ptr<adapters::InboundAdapter>> inbound_;
  std::mutex reload_mutex_;                     // serialises reloads
  std::shared_ptr<const LoadedPolicy> loaded_;  // guarded by reload_mutex_
  mutable std::mutex agencies_mutex_;
  std::shared_ptr<const agreements::AgencyDirectory> agencies_;  // guarded by agencies_mutex_
  // The agency signing keys receipts are verified against (docs/receipts.md), from the same
  // load as agencies_; guarded by agencies_mutex_.
  std::shared_ptr<const governance::SignerRegistry> signers_;
  // The admin executor: reloads (SIGHUP and the admin listener), audit reads and the answers
  // to forced checkpoints, never on the io threads or the spool's completion thread.
  std::optional<boost::asio::thread_pool> admin_pool_;
  // compliance: the rule sets and calendar (guarded by reload_mutex_), the tracker, and the
  // timer of its periodic refresh (null without a compliance: section).
  std::shared_ptr<const ComplianceRules> compliance_rules_;
  std::unique_ptr<ComplianceTracker> compliance_;
  std::optional<boost::asio::steady_timer> compliance_timer_;
  std::atomic<bool> stopping_{false};
  // The periodic purge (real-time interval; each run judges copies by the Env clock).
  std::mutex purge_timer_mutex_;  // the timer is armed from io threads and cancelled by stop()
  std::optional<boost::asio::steady_timer> purge_timer_;  // guarded by purge_timer_mutex_
  std::atomic<bool> purging_{false};  // one run at a time: a tick during a run is skipped
  std::atomic<std::int64_t> retention_purged_total_{0};
  std::atomic<std::int64_t> extracts_deleted_total_{0};
  // The audit log's agreement.* records folded (guarded by reload_mutex_), and the minute
  // check's timer.
  std::unique_ptr<GovernanceLog> governance_log_;
  std::mutex governance_timer_mutex_;
  std::optional<boost::asio::steady_timer> governance_timer_;  // guarded by the mutex above
  // Status notices: the notifier and its timer (gateway_status_notices.cpp).
  std::unique_ptr<StatusNotifier> status_notifier_;
  std::mutex status_timer_mutex_;
  std::optional<boost::asio::steady_timer> status_timer_;  // guarded by the mutex above
  std::atomic<bool> notifying_{false};  // one run at a time: a tick during a run is skipped
  void schedule_status_notices();
  // GET /v1/admin/flows: counted since started_at_ms_ (the Env clock at create()).
  std::unique_ptr<FlowCounters> flow_counters_;
  std::int64_t started_at_ms_ = 0;
  // GET /v1/admin/deliveries: agency id -> its outbound adapter's type (build_adapters).
  std::map<std::string, std::string> outbound_types_;
  std::vector<std::thread> threads_;
  std::mutex stop_mutex_;
  bool stopped_ = false;  // guarded by stop_mutex_
};

// An active agreement's end and review dates (seconds since the Unix epoch), for /metrics.
struct AgreementDates {
  std::string agreement;  // "id@version"
  std::int64_t valid_until_s = 0;
  std::int64_t review_by_s = 0;
};

// What governance decided for a loaded set and what it was decided on (docs/agreements.md,
// "Co-signed activation and the lifecycle"): the minute check and the admin API re-use them.
struct GovernanceState {
  std::vector<governance::VersionInput> versions;  // one per loaded agreement, in load order
  std::vector<governance::Statement> statements;   // from the signatures directory
  std::shared_ptr<const governance::SignerRegistry> signers =
      std::make_shared<const governance::SignerRegistry>();
  governance::Evaluation evaluation;
  // New lifecycle facts to audit, in order (the evaluation's, then refusals of statement files
  // that do not parse), written before this load's admin.agreements_loaded.
  std::vector<governance::LifecycleEvent> events;
  // "met-lvws-referral v2: awaiting signatures from provider.lvws", per held version.
  std::vector<std::string> held;
};

// A validated agreement set, ready to swap in.
struct LoadedPolicy {
  std::shared_ptr<const pipeline::Policy> policy;
  std::string content_hash;  // "sha256:<hex>" over the agencies file and agreement files
  std::size_t agreements = 0;
  std::string description;                                      // JSON for GET /v1/admin/agreements
  std::vector<std::pair<std::string, std::string>> keys;        // registered (agency, kid)
  std::vector<AgreementDates> dates = {};                       // active agreements only
  std::shared_ptr<const agreements::AgencyDirectory> agencies;  // the directory it was built on
  // Every agreement loaded (in force or not): the retention purge's cutoffs.
  std::shared_ptr<const agreements::AgreementSet> agreement_set = {};
  GovernanceState governance = {};
};

// What load_policy() does when the pseudonym secret file is missing.
enum class SecretMode {
  must_exist,            // an error (pseudonym_secret_missing): reloads, and starts after the first
  create_if_missing,     // create it, 0600 and fsync'd: the first start of a gateway
  ephemeral_if_missing,  // use a throw-away secret, write nothing: accord-gateway --check
};

// Whether `text`, written as agreements/`file` (a new file, or replacing the one of that
// name), would load with the other agreement files: invalid_agreements naming every error
// ("file:line:col: ..."). Reads the files, writes nothing. Defined in policy_loader.cpp.
Status check_proposal(const GatewayConfig& config, const envelope::Vocabulary& vocabulary,
                      std::int64_t now_ms, const std::string& file, const std::string& text);

// What the audit log says about agreement versions, and a statement the admin API has just
// accepted (its records then name `api` as the source, not the file it was written to).
struct GovernanceContext {
  const GovernanceLog* log = nullptr;  // null: an empty log (accord-gateway --check)
  std::optional<governance::Statement> via_api;
};

// Builds the agreement-backed policy from the config's agencies, agreements, signing keys,
// signed statements and pseudonym key; governance holds back what is not co-signed.
// Defined in policy_loader.cpp.
Result<std::shared_ptr<const LoadedPolicy>> load_policy(
    const GatewayConfig& config, const envelope::Vocabulary& vocabulary, std::int64_t now_ms,
    SecretMode secret_mode = SecretMode::must_exist, const GovernanceContext& governance = {});

}  // namespace accord::app
