#include "accord/spool/pg_spool.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <utility>

#include "pg_schema.hpp"
#include "pg_spool_impl.hpp"

namespace accord::spool {
namespace detail {
namespace {

// How often the deployment's per-recipient counts are read again (stats()).
constexpr std::int64_t kCountsRefreshMs = 1000;
// Runs of one batch when another gateway's transaction deadlocks with it.
constexpr int kDeadlockAttempts = 3;

// Why this server would acknowledge a commit held on one machine only; nullopt when it would
// not (synchronous_commit on or remote_apply, and a synchronous standby named).
Result<std::optional<std::string>> durability_problem(PgConnection& db) {
  auto commit = db.exec_params("SHOW synchronous_commit", {}, "show synchronous_commit");
  if (!commit.ok()) return commit.error();
  const std::string level = commit->text(0, 0);
  if (level != "on" && level != "remote_apply") {
    return std::optional<std::string>("synchronous_commit is '" + level +
                                      "' (needs 'on' or 'remote_apply')");
  }
  auto names =
      db.exec_params("SHOW synchronous_standby_names", {}, "show synchronous_standby_names");
  if (!names.ok()) return names.error();
  if (names->text(0, 0).find_first_not_of(" \t") == std::string::npos) {
    return std::optional<std::string>(
        "synchronous_standby_names is empty (no synchronous "
        "standby: a commit would be on the primary alone)");
  }
  return std::optional<std::string>();
}

// The first gateway to open records its key id; every later one must have the same key, so
// the deployment's checkpoints verify with one public key (docs/audit-format.md).
Status check_gateway_kid(PgConnection& db, const std::string& kid) {
  auto put = db.exec_params(
      "INSERT INTO accord_meta(key, value) VALUES($1, $2) ON CONFLICT (key) DO NOTHING",
      {PgParam::text(kMetaGatewayKid), PgParam::text(kid)}, "record gateway key");
  if (!put.ok()) return put.error();
  auto stored = db.exec_params("SELECT value FROM accord_meta WHERE key = $1",
                               {PgParam::text(kMetaGatewayKid)}, "read gateway key");
  if (!stored.ok()) return stored.error();
  const std::string recorded = stored->text(0, 0);
  if (recorded != kid) {
    return make_error("key_mismatch",
                      "this deployment's audit checkpoints are signed with gateway key '" +
                          recorded + "' but this gateway's key is '" + kid +
                          "': every gateway sharing a database must use the same gateway key");
  }
  return Status::Ok();
}

PgStoreOptions store_options_of(const PgSpoolOptions& o) {
  PgStoreOptions s;
  s.audit_enabled = o.audit.enabled;
  s.commit_timeout = std::chrono::milliseconds(std::max<std::int64_t>(o.commit_timeout_ms, 1));
  // A statement may wait for a row lock held by another gateway whose COMMIT is waiting for
  // the standby: give it that COMMIT's deadline and then some.
  s.statement_timeout = 2 * s.commit_timeout + std::chrono::milliseconds(1000);
  return s;
}

bool drops_connection(PgFault fault) {
  return fault == PgFault::connection || fault == PgFault::timed_out;
}

}  // namespace

PgSpool::PgSpool(PgStore store, const PgSpoolOptions& options)
    : options_(options),
      store_options_(store_options_of(options)),
      max_batch_(std::max<std::size_t>(options.max_batch, 1)),
      env_(options.env != nullptr ? *options.env : env::system_env()),
      store_(std::move(store)),
      queue_(options.max_pending, "the database") {
  if (options_.audit.now_ms) opened_at_ms_ = options_.audit.now_ms();
  refresh_counts(/*force=*/true);
  queue_.start([this] { run(); });
}

PgSpool::~PgSpool() {
  shutdown();
}

void PgSpool::enqueue(BasicOp<PgStore> op, bool bounded, PgLockKeys keys) {
  PgOp queued{std::move(op), std::move(keys)};
  if (auto refusal = queue_.push(queued, bounded)) queued.op.finish(refusal);
}

void PgSpool::append(Submission submission, AppendHandler done) {
  // Prepared here, on the caller's thread (backend_common.hpp, PreparedAppend).
  PgLockKeys keys;
  keys.append = std::make_shared<const PreparedAppend>(
      prepare_append(std::move(submission), options_.audit.enabled));
  auto op = append_op<PgStore>(keys.append, std::move(done));
  enqueue(std::move(op), /*bounded=*/true, std::move(keys));
}

Result<std::optional<PriorSubmission>> PgSpool::find_submission(const std::string&,
                                                                const std::string&) const {
  return std::optional<PriorSubmission>();
}

Result<std::vector<SubjectStateRow>> PgSpool::subject_state(const std::string& subject_ref) const {
  std::lock_guard lock(read_mu_);
  if (!read_db_) {
    auto conn = PgConnection::open(options_.uri, options_.connect_timeout_s);
    if (!conn.ok()) return make_error("storage_unavailable", conn.error().message);
    read_db_.emplace(std::move(conn).value());
  }
  auto rows = read_subject_state(*read_db_, subject_ref);
  if (!rows.ok()) {
    read_db_.reset();  // the connection may be what failed: the next read opens a new one
    return make_error("storage_unavailable", rows.error().message);
  }
  return rows;
}

template <typename Read>
auto PgSpool::on_read_connection(Read read) const -> decltype(read(std::declval<PgConnection&>())) {
  std::lock_guard lock(read_mu_);
  if (!read_db_) {
    auto conn = PgConnection::open(options_.uri, options_.connect_timeout_s);
    if (!conn.ok()) return make_error("storage_unavailable", conn.error().message);
    read_db_.emplace(std::move(conn).value());
  }
  auto r = read(*read_db_);
  if (!r.ok()) {
    read_db_.reset();  // the connection may be what failed: the next read opens a new one
    return make_error("storage_unavailable", r.error().message);
  }
  return r;
}

Result<std::optional<CopyFacts>> PgSpool::copy_facts(const std::string& recipient,
                                                     std::int64_t delivery_id) const {
  return on_read_connection(
      [&](PgConnection& db) { return read_copy_facts(db, recipient, delivery_id); });
}

Result<std::optional<MessageStatus>> PgSpool::message_status(const std::string& sender,
                                                             const std::string& message_id,
                                                             std::int64_t now_ms) const {
  return on_read_connection(
      [&](PgConnection& db) { return read_message_status(db, sender, message_id, now_ms); });
}

Result<std::vector<StatusNotice>> PgSpool::pending_status_notices(std::size_t limit) const {
  return on_read_connection([&](PgConnection& db) { return read_status_notices(db, limit); });
}

void PgSpool::emit_status_notice(std::int64_t notice_id, NoticeCopy copy, std::int64_t now_ms,
                                 StatusHandler done) {
  enqueue(emit_status_notice_op<PgStore>(notice_id, std::move(copy), now_ms, std::move(done)),
          /*bounded=*/false);
}

Result<std::map<std::string, QueueHealth>> PgSpool::queue_health(std::int64_t now_ms) const {
  std::lock_guard lock(health_mu_);
  if (!health_db_) {
    auto conn = PgConnection::open(options_.uri, options_.connect_timeout_s);
    if (!conn.ok()) return make_error("storage_unavailable", conn.error().message);
    health_db_.emplace(std::move(conn).value());
  }
  const std::string now = std::to_string(now_ms);
  auto r =
      health_db_->exec_params(queue_health_sql("$1::bigint"), {PgParam::text(now)}, "queue health");
  if (!r.ok()) {
    health_db_.reset();  // the connection may be what failed: the next read opens a new one
    return make_error("storage_unavailable", r.error().message);
  }
  std::map<std::string, QueueHealth> out;
  for (int row = 0; row < r->rows(); ++row) {
    std::optional<std::int64_t> oldest;
    if (!r->is_null(row, 4)) oldest = r->int64(row, 4);
    add_queue_health_row(out, r->text(row, 0), r->int64(row, 1), r->int64(row, 2), r->int64(row, 3),
                         oldest);
  }
  return out;
}

void PgSpool::lease(LeaseRequest request, LeaseHandler done) {
  enqueue(lease_op<PgStore>(std::move(request), std::move(done)), false);
}

void PgSpool::ack(AckRequest request, AckHandler done) {
  PgLockKeys keys{nullptr, {request.delivery_id}};
  enqueue(ack_op<PgStore>(std::move(request), std::move(done)), false, std::move(keys));
}

void PgSpool::release(ReleaseRequest request, StatusHandler done) {
  PgLockKeys keys{nullptr, {request.delivery_id}};
  enqueue(release_op<PgStore>(std::move(request), std::move(done)), false, std::move(keys));
}

void PgSpool::dead_letter(DeadLetterRequest request, StatusHandler done) {
  PgLockKeys keys{nullptr, {request.delivery_id}};
  enqueue(dead_letter_op<PgStore>(std::move(request), std::move(done)), false, std::move(keys));
}

void PgSpool::redrive(RedriveRequest request, CountHandler done) {
  enqueue(redrive_op<PgStore>(std::move(request), std::move(done)), false);
}

void PgSpool::list_dead_letters(std::string recipient, std::size_t limit, DeadLettersHandler done) {
  enqueue(list_dead_letters_op<PgStore>(std::move(recipient), limit, std::move(done)), false);
}

void PgSpool::record(std::vector<audit::Event> events, StatusHandler done) {
  enqueue(record_op<PgStore>(std::move(events), std::move(done)), /*bounded=*/true);
}

void PgSpool::purge(PurgeRequest request, PurgeHandler done) {
  auto run = std::make_shared<PurgeRun>();
  run->request = std::move(request);
  run->done = std::move(done);
  std::function<void(BasicOp<PgStore>)> next = [this](BasicOp<PgStore> op) {
    enqueue(std::move(op), /*bounded=*/false);
  };
  enqueue(purge_op<PgStore>(std::move(run), next), /*bounded=*/false);
}

void PgSpool::checkpoint(std::int64_t now_ms, StatusHandler done) {
  // Sealed at the end of the transaction, covering its records too (pg_store.hpp).
  enqueue(make_op<PgStore, bool>(status_adapter(std::move(done)),
                                 [now_ms](PgStore& store, BatchDelta&) -> Result<Result<bool>> {
                                   store.request_checkpoint(now_ms);
                                   return Result<bool>(true);
                                 }),
          false);
}

SpoolStats PgSpool::stats() const {
  return queue_.stats();
}

void PgSpool::shutdown() {
  queue_.shutdown();
}

bool PgSpool::idle_checkpoint_due(std::int64_t now) const {
  if (!options_.audit.enabled || !options_.audit.sign || !store_) return false;
  const PgAuditHead& head = store_->audit_head();
  return head.seq > head.sealed_seq &&
         now - std::max(head.sealed_at_ms, opened_at_ms_) >= options_.audit.checkpoint_every_ms;
}

void PgSpool::run() {
  std::vector<PgOp> batch;
  batch.reserve(max_batch_);
  const bool timed = options_.audit.enabled && options_.audit.sign && options_.audit.now_ms;
  for (;;) {
    // Wakes at least once a second: the counts of other gateways' changes, and the
    // deployment's checkpoint interval.
    std::int64_t wait_ms = kCountsRefreshMs;
    if (timed)
      wait_ms = std::min(wait_ms, std::max<std::int64_t>(options_.audit.checkpoint_every_ms, 1));
    const bool stop = queue_.take(batch, max_batch_, std::chrono::milliseconds(wait_ms));
    // Stopping: seal what is unsealed so a clean shutdown leaves no unsigned tail.
    const bool seal = stop && timed;
    if (!batch.empty() || seal || (timed && idle_checkpoint_due(options_.audit.now_ms()))) {
      commit_batch(batch, seal);
    }
    batch.clear();
    if (stop) return;
    refresh_counts(/*force=*/false);  // idle: other gateways' changes
  }
}

bool PgSpool::connected() {
  if (store_) return true;
  const std::int64_t now = env_.steady_ms();
  if (!last_connect_error_.empty() &&
      now - last_connect_attempt_ < options_.reconnect_interval_ms) {
    return false;
  }
  last_connect_attempt_ = now;
  auto conn = PgConnection::open(options_.uri, options_.connect_timeout_s);
  if (conn.ok()) {
    auto problem = durability_problem(*conn);
    if (problem.ok() && problem->has_value()) {
      // The operator promoted a standby that has none of its own (docs/operations.md): go on,
      // loudly. open_pg_spool() refuses such a server; a failover is the operator's choice.
      spdlog::warn("spool: reconnected to a postgresql server without durability: {}", **problem);
    }
    auto store = PgStore::prepare(std::move(conn).value(), store_options_);
    if (store.ok()) {
      store_.emplace(std::move(store).value());
      last_connect_error_.clear();
      spdlog::info("spool: connected to postgresql ({})", redact_conninfo(options_.uri));
      refresh_counts(/*force=*/true);
      return store_.has_value();  // the refresh drops a connection that failed at once
    }
    last_connect_error_ = store.error().message;
  } else {
    last_connect_error_ = conn.error().message;
  }
  spdlog::warn("spool: postgresql unreachable, retrying in {} ms: {}",
               options_.reconnect_interval_ms, last_connect_error_);
  return false;
}

std::optional<Error> PgSpool::try_batch(std::vector<PgOp>& batch, BatchDelta& delta, bool seal) {
  if (auto s = store_->begin(); !s.ok()) return s.error();
  std::vector<const PreparedAppend*> appends;
  std::vector<std::int64_t> copy_ids;
  for (const auto& queued : batch) {
    if (queued.keys.append) appends.push_back(queued.keys.append.get());
    copy_ids.insert(copy_ids.end(), queued.keys.copy_ids.begin(), queued.keys.copy_ids.end());
  }
  if (auto s = store_->take_batch_locks(appends, copy_ids); !s.ok()) return s.error();
  for (auto& queued : batch) {
    if (auto failure = queued.op.execute(*store_, delta)) return failure;
  }
  CheckpointPolicy policy;
  policy.sign = &options_.audit.sign;
  policy.now_ms = options_.audit.now_ms ? options_.audit.now_ms() : 0;
  policy.every_records = options_.audit.checkpoint_every_records;
  policy.every_ms = options_.audit.checkpoint_every_ms;
  policy.not_before_ms = opened_at_ms_;
  policy.force = seal;
  if (auto s = store_->finish_audit(policy); !s.ok()) return s.error();
  if (auto s = store_->commit(); !s.ok()) return s.error();
  return std::nullopt;
}

void PgSpool::commit_batch(std::vector<PgOp>& batch, bool seal) {
  if (options_.before_batch) options_.before_batch();
  if (!connected()) {
    finish(batch,
           make_error("storage_unavailable", "not connected to postgresql (retrying every " +
                                                 std::to_string(options_.reconnect_interval_ms) +
                                                 " ms): " + last_connect_error_));
    return;
  }
  BatchDelta delta;
  std::optional<Error> failure;
  for (int attempt = 1;; ++attempt) {
    delta = BatchDelta{};
    failure = try_batch(batch, delta, seal);
    if (!failure || store_->fault() != PgFault::retry || attempt == kDeadlockAttempts) break;
    // Another gateway's transaction deadlocked with this one and PostgreSQL chose this one:
    // nothing of it happened, so it runs again.
    spdlog::info("spool: transaction of {} operations rerun: {}", batch.size(), failure->message);
    store_->rollback();
  }
  if (failure) {
    store_->rollback();  // nothing to do after a connection fault
    if (drops_connection(store_->fault())) {
      // COMMIT's outcome may be unknown: the batch fails (never a success that might not be
      // durable) and the next batch starts on a new connection.
      spdlog::warn("spool: postgresql connection dropped: {}", failure->message);
      store_.reset();
    }
    const Error e = make_error("storage_unavailable", failure->message);
    spdlog::warn("spool: transaction of {} operations failed: {}", batch.size(), e.message);
    finish(batch, e);
    return;
  }
  queue_.counters.add_commit(delta, store_->audit_head().seq, store_->audit_head().sealed_seq);
  // Before the handlers: a caller that waited for this batch sees counts at least this fresh.
  refresh_counts(/*force=*/false);
  finish(batch, std::nullopt);
}

void PgSpool::refresh_counts(bool force) {
  if (!store_) return;
  const std::int64_t now = env_.steady_ms();
  if (!force && now - last_refresh_ < kCountsRefreshMs) return;
  auto queued = store_->count_queued();
  auto dead = queued.ok() ? store_->count_dead()
                          : Result<std::map<std::string, std::int64_t>>(queued.error());
  auto head = dead.ok() ? store_->read_audit_head() : Result<PgAuditHead>(dead.error());
  if (!head.ok()) {
    spdlog::warn("spool: counts not refreshed: {}", head.error().message);
    if (drops_connection(store_->fault())) store_.reset();
    return;
  }
  last_refresh_ = now;
  queue_.counters.reset(std::move(queued).value(), std::move(dead).value(), head->seq,
                        head->sealed_seq);
}

void PgSpool::finish(std::vector<PgOp>& batch, std::optional<Error> failure) {
  queue_.post([ops = std::move(batch), failure = std::move(failure)]() mutable {
    for (auto& queued : ops) queued.op.finish(failure);
  });
  batch.clear();
}

}  // namespace detail

Result<std::unique_ptr<Spool>> open_pg_spool(const PgSpoolOptions& options) {
  if (options.uri.empty()) return make_error("invalid_argument", "storage: no postgresql uri");
  if (options.audit.sign && !options.audit.now_ms) {
    return make_error("invalid_argument", "audit.sign needs audit.now_ms (the checkpoint clock)");
  }
  auto conn = detail::PgConnection::open(options.uri, options.connect_timeout_s);
  if (!conn.ok()) return conn.error();
  if (auto s = detail::ensure_pg_schema(*conn); !s.ok()) return s.error();
  if (!options.allow_async) {
    auto problem = detail::durability_problem(*conn);
    if (!problem.ok()) return problem.error();
    if (problem->has_value()) {
      return make_error("not_durable",
                        "postgresql " + redact_conninfo(options.uri) +
                            " would acknowledge a commit held on one machine: " + **problem +
                            ". Configure a synchronous standby (docs/operations.md)");
    }
  }
  if (!options.gateway_kid.empty()) {
    if (auto s = detail::check_gateway_kid(*conn, options.gateway_kid); !s.ok()) return s.error();
  }
  auto store = detail::PgStore::prepare(std::move(conn).value(), detail::store_options_of(options));
  if (!store.ok()) return store.error();
  return std::unique_ptr<Spool>(
      std::make_unique<detail::PgSpool>(std::move(store).value(), options));
}

}  // namespace accord::spool
