#include "accord/spool/sqlite_spool.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <utility>

#include "accord/core/time_format.hpp"
#include "schema.hpp"
#include "sqlite_spool_impl.hpp"

namespace accord::spool {
namespace detail {
SqliteSpool::SqliteSpool(Store store, std::map<std::string, std::int64_t> queued,
                         std::map<std::string, std::int64_t> dead, Opened opened,
                         const SqliteSpoolOptions& options)
    : max_batch_(std::max<std::size_t>(options.max_batch, 1)),
      audit_(options.audit),
      before_batch_(options.before_batch),
      env_(options.env != nullptr ? *options.env : env::system_env()),
      lock_(std::move(opened.lock)),
      manifest_path_(std::move(opened.manifest_path)),
      submissions_(opened.submissions),
      store_(std::move(store)),
      reader_(options.path),
      page_limit_(options.max_page_count),
      applied_page_limit_(options.max_page_count),
      queue_(options.max_pending, "the disk") {
  queue_.counters.reset(std::move(queued), std::move(dead), store_.audit_seq(),
                        store_.sealed_seq());
  if (audit_.now_ms) last_checkpoint_at_ms_ = audit_.now_ms();
  // Level with the database as opened: adopts a spool from before manifests, and after an
  // accepted gap makes the recorded state the new baseline.
  write_manifest(/*clean_shutdown=*/false);
  queue_.start([this] { run(); });
}

SqliteSpool::~SqliteSpool() {
  shutdown();
}

void SqliteSpool::enqueue(Op op, bool bounded) {
  if (auto refusal = queue_.push(op, bounded)) op.finish(refusal);
}

void SqliteSpool::append(Submission submission, AppendHandler done) {
  // Prepared here, on the caller's thread (backend_common.hpp, PreparedAppend).
  enqueue(append_op<Store>(std::make_shared<const PreparedAppend>(
                               prepare_append(std::move(submission), audit_.enabled)),
                           std::move(done)),
          /*bounded=*/true);
}

Result<std::optional<PriorSubmission>> SqliteSpool::find_submission(
    const std::string& sender, const std::string& message_id) const {
  return reader_.find(sender, message_id);
}

Result<std::map<std::string, QueueHealth>> SqliteSpool::queue_health(std::int64_t now_ms) const {
  return reader_.queue_health(now_ms);
}

Result<std::optional<CopyFacts>> SqliteSpool::copy_facts(const std::string& recipient,
                                                         std::int64_t delivery_id) const {
  return reader_.copy_facts(recipient, delivery_id);
}

Result<std::optional<MessageStatus>> SqliteSpool::message_status(const std::string& sender,
                                                                 const std::string& message_id,
                                                                 std::int64_t now_ms) const {
  return reader_.message_status(sender, message_id, now_ms);
}

Result<std::vector<StatusNotice>> SqliteSpool::pending_status_notices(std::size_t limit) const {
  return reader_.pending_status_notices(limit);
}

void SqliteSpool::emit_status_notice(std::int64_t notice_id, NoticeCopy copy, std::int64_t now_ms,
                                     StatusHandler done) {
  enqueue(emit_status_notice_op<Store>(notice_id, std::move(copy), now_ms, std::move(done)),
          /*bounded=*/false);
}

Result<std::vector<SubjectStateRow>> SqliteSpool::subject_state(
    const std::string& subject_ref) const {
  return reader_.subject_state(subject_ref);
}

void SqliteSpool::lease(LeaseRequest request, LeaseHandler done) {
  enqueue(lease_op<Store>(std::move(request), std::move(done)), false);
}

void SqliteSpool::ack(AckRequest request, AckHandler done) {
  enqueue(ack_op<Store>(std::move(request), std::move(done)), false);
}

void SqliteSpool::release(ReleaseRequest request, StatusHandler done) {
  enqueue(release_op<Store>(std::move(request), std::move(done)), false);
}

void SqliteSpool::dead_letter(DeadLetterRequest request, StatusHandler done) {
  enqueue(dead_letter_op<Store>(std::move(request), std::move(done)), false);
}

void SqliteSpool::redrive(RedriveRequest request, CountHandler done) {
  enqueue(redrive_op<Store>(std::move(request), std::move(done)), false);
}

void SqliteSpool::list_dead_letters(std::string recipient, std::size_t limit,
                                    DeadLettersHandler done) {
  enqueue(list_dead_letters_op<Store>(std::move(recipient), limit, std::move(done)), false);
}

void SqliteSpool::record(std::vector<audit::Event> events, StatusHandler done) {
  enqueue(record_op<Store>(std::move(events), std::move(done)), /*bounded=*/true);
}

void SqliteSpool::purge(PurgeRequest request, PurgeHandler done) {
  auto run = std::make_shared<PurgeRun>();
  run->request = std::move(request);
  run->done = std::move(done);
  std::function<void(BasicOp<Store>)> next = [this](BasicOp<Store> op) {
    enqueue(std::move(op), /*bounded=*/false);
  };
  enqueue(purge_op<Store>(std::move(run), next), /*bounded=*/false);
}

void SqliteSpool::checkpoint(std::int64_t now_ms, StatusHandler done) {
  enqueue(make_op<Store, bool>(status_adapter(std::move(done)),
                               [this, now_ms](Store& store, BatchDelta&) -> Result<Result<bool>> {
                                 if (auto s = store.write_checkpoint(now_ms, audit_.sign);
                                     !s.ok()) {
                                   return s.error();
                                 }
                                 last_checkpoint_at_ms_ = now_ms;
                                 manifest_due_ = true;
                                 return Result<bool>(true);
                               }),
          false);
}

SpoolStats SqliteSpool::stats() const {
  return queue_.stats();
}

void SqliteSpool::shutdown() {
  queue_.shutdown();
}

bool SqliteSpool::checkpoint_due(std::int64_t now) const {
  if (!audit_.enabled || !audit_.sign) return false;
  const std::int64_t unsealed = store_.audit_seq() - store_.sealed_seq();
  if (unsealed <= 0) return false;
  return seal_now_ || unsealed >= audit_.checkpoint_every_records ||
         now - last_checkpoint_at_ms_ >= audit_.checkpoint_every_ms;
}

void SqliteSpool::run() {
  std::vector<Op> batch;
  batch.reserve(max_batch_);
  const bool timed = audit_.enabled && audit_.sign && audit_.now_ms;
  for (;;) {
    // Unsealed records: wake when the checkpoint interval is up even if nothing arrives.
    std::optional<std::chrono::milliseconds> wait;
    if (timed && store_.audit_seq() > store_.sealed_seq()) {
      wait = std::chrono::milliseconds(audit_.checkpoint_every_ms);
    }
    const bool stop = queue_.take(batch, max_batch_, wait);
    // Stopping: seal what is unsealed so a clean shutdown leaves no unsigned tail.
    seal_now_ = stop;
    if (!batch.empty() || (timed && checkpoint_due(audit_.now_ms()))) commit_batch(batch);
    batch.clear();
    if (stop) {
      write_manifest(/*clean_shutdown=*/true);
      return;
    }
  }
}

void SqliteSpool::commit_batch(std::vector<Op>& batch) {
  if (before_batch_) before_batch_();
  BatchDelta delta;
  std::optional<Error> failure;

  if (const auto limit = page_limit_.load(); limit != applied_page_limit_) {
    if (auto s = store_.set_max_page_count(limit); s.ok()) applied_page_limit_ = limit;
  }
  if (auto s = store_.begin(); !s.ok()) failure = s.error();
  for (std::size_t i = 0; i < batch.size() && !failure; ++i) {
    failure = batch[i].execute(store_, delta);
  }
  std::int64_t checkpoint_at = -1;
  if (!failure && audit_.now_ms) {
    const std::int64_t now = audit_.now_ms();
    if (checkpoint_due(now)) {
      if (auto s = store_.write_checkpoint(now, audit_.sign); !s.ok()) {
        failure = s.error();
      } else {
        checkpoint_at = now;
      }
    }
  }
  if (!failure) {
    if (auto s = store_.commit(); !s.ok()) failure = s.error();
  }

  if (failure) {
    manifest_due_ = false;
    store_.rollback();
    // Storage failures are storage_unavailable whatever SQLite called them: the caller's
    // answer (503, retry later) is the same.
    const Error e = make_error("storage_unavailable", failure->message);
    spdlog::warn("spool: transaction of {} operations rolled back: {}", batch.size(), e.message);
    finish(batch, e);
    return;
  }
  if (checkpoint_at >= 0) last_checkpoint_at_ms_ = checkpoint_at;
  submissions_ += delta.appended;
  // After COMMIT (the database may be ahead of its manifest, never behind), before the
  // handlers: once a checkpoint is answered, the manifest covers it.
  if (checkpoint_at >= 0 || manifest_due_) write_manifest(/*clean_shutdown=*/false);
  manifest_due_ = false;

  queue_.counters.add_commit(delta, store_.audit_seq(), store_.sealed_seq());
  finish(batch, std::nullopt);
}

void SqliteSpool::write_manifest(bool clean_shutdown) {
  if (manifest_path_.empty()) return;
  Manifest m;
  m.audit_seq = store_.audit_seq();
  m.audit_head = store_.audit_head_hex();
  m.sealed_seq = store_.sealed_seq();
  m.submissions = submissions_;
  auto last_id = store_.last_delivery_id();
  if (!last_id.ok()) {
    spdlog::error("spool: manifest not updated: {}", last_id.error().message);
    return;
  }
  m.last_delivery_id = *last_id;
  m.written_at_ms = audit_.now_ms ? audit_.now_ms() : 0;
  m.clean_shutdown = clean_shutdown;
  // The previous manifest stays: it is behind, which the next open accepts.
  if (auto s = detail::write_manifest(env_, manifest_path_, m); !s.ok()) {
    spdlog::error("spool: manifest not updated: {}", s.error().message);
  }
}

void SqliteSpool::finish(std::vector<Op>& batch, std::optional<Error> failure) {
  queue_.post([ops = std::move(batch), failure = std::move(failure)]() mutable {
    for (auto& op : ops) op.finish(failure);
  });
  batch.clear();  // moved from: make it a valid empty vector for the writer's next batch
}

}  // namespace detail

namespace {

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += (out.empty() ? "" : "; ") + line;
  return out;
}

// The state of the opened database in manifest terms.
Result<detail::Manifest> facts_of(detail::Store& store) {
  detail::Manifest m;
  m.audit_seq = store.audit_seq();
  m.audit_head = store.audit_head_hex();
  m.sealed_seq = store.sealed_seq();
  auto submissions = store.count_submissions();
  if (!submissions.ok()) return submissions.error();
  m.submissions = *submissions;
  auto last_id = store.last_delivery_id();
  if (!last_id.ok()) return last_id.error();
  m.last_delivery_id = *last_id;
  return m;
}

// The operator chose to go on (accept_gap): the gap goes on the record before anything else.
Status record_gap(detail::Store& store, const SqliteSpoolOptions& options,
                  const std::optional<detail::Manifest>& expected, const detail::Manifest& found,
                  const std::vector<std::string>& missing) {
  audit::Event event;
  event.kind = audit::kind::kSpoolGapAccepted;
  event.at_ms = options.audit.now_ms ? options.audit.now_ms() : 0;
  event.code = "spool_behind_manifest";
  event.reason = join_lines(missing);
  if (expected) {
    event.details = {{"manifest_audit_seq", std::to_string(expected->audit_seq)},
                     {"manifest_submissions", std::to_string(expected->submissions)},
                     {"manifest_last_delivery_id", std::to_string(expected->last_delivery_id)},
                     {"manifest_written_at", format_time_ms(expected->written_at_ms)}};
  }
  event.details.emplace_back("found_audit_seq", std::to_string(found.audit_seq));
  event.details.emplace_back("found_submissions", std::to_string(found.submissions));
  event.details.emplace_back("found_last_delivery_id", std::to_string(found.last_delivery_id));
  if (auto s = store.begin(); !s.ok()) return s;
  if (auto s = store.record(event); !s.ok()) {
    store.rollback();
    return s;
  }
  if (auto s = store.commit(); !s.ok()) {
    store.rollback();
    return s;
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Spool>> open_sqlite_spool(const SqliteSpoolOptions& options) {
  env::Env& env = options.env != nullptr ? *options.env : env::system_env();
  if (options.audit.sign && !options.audit.now_ms) {
    return make_error("invalid_argument", "audit.sign needs audit.now_ms (the checkpoint clock)");
  }
  std::error_code is_dir_ec;
  if (std::filesystem::is_directory(options.path, is_dir_ec)) {
    return make_error("storage_unavailable", options.path + " is a directory", options.path);
  }
  // The lock first: nothing below may touch a spool another gateway has open.
  auto lock = detail::FileLock::acquire(detail::lock_path(options.path));
  if (!lock.ok()) return lock.error();

  detail::Opened opened;
  opened.lock = std::move(lock).value();
  std::optional<detail::Manifest> expected;
  std::vector<std::string> missing;
  if (options.manifest) {
    opened.manifest_path = detail::manifest_path(options.path);
    auto read = detail::read_manifest(env, opened.manifest_path);
    if (!read.ok()) {
      if (!options.accept_gap) return read.error();
      missing.push_back(read.error().message);
    } else {
      expected = std::move(read).value();
    }
    if (expected && !env.file_exists(options.path)) {
      missing.push_back("the database " + options.path + " is missing");
      if (!options.accept_gap) {
        return make_error("spool_behind_manifest",
                          "the spool database " + options.path + " is missing but its manifest " +
                              opened.manifest_path + " says it held " +
                              std::to_string(expected->submissions) + " submissions and " +
                              std::to_string(expected->audit_seq) +
                              " audit records: restore spool.db (and spool.db-wal) from backup, "
                              "or start with --accept-spool-gap to go on without them",
                          options.path);
      }
    }
  }
  if (auto s = detail::make_private(env, options.path); !s.ok()) return s.error();
  auto db = detail::open_database(options);
  if (!db.ok()) return db.error();
  auto store = detail::Store::prepare(std::move(db).value(), options.audit.enabled);
  if (!store.ok()) return store.error();
  auto found = facts_of(*store);
  if (!found.ok()) return found.error();
  if (expected) {
    std::string chain_at;
    if (expected->audit_seq > 0 && found->audit_seq >= expected->audit_seq) {
      auto chain = store->chain_hex_at(expected->audit_seq);
      if (!chain.ok()) return chain.error();
      chain_at = std::move(chain).value();
    }
    auto behind = detail::shortfalls(*expected, *found, chain_at);
    if (missing.empty()) missing = std::move(behind);  // a missing file says it all already
  }
  if (!missing.empty()) {
    if (!options.accept_gap) {
      return make_error("spool_behind_manifest",
                        "the spool " + options.path +
                            " is behind its manifest (committed data was lost: a truncated or "
                            "deleted -wal, or a truncated or replaced database): " +
                            join_lines(missing) +
                            ". Restore the files from backup, or start with --accept-spool-gap "
                            "to go on without the missing data",
                        options.path);
    }
    spdlog::warn(
        "spool {}: starting without data its manifest says was committed "
        "(--accept-spool-gap): {}",
        options.path, join_lines(missing));
    if (auto s = record_gap(*store, options, expected, *found, missing); !s.ok()) return s.error();
  }
  opened.submissions = found->submissions;
  auto queued = store->count_queued();
  if (!queued.ok()) return queued.error();
  auto dead = store->count_dead();
  if (!dead.ok()) return dead.error();
  auto spool =
      std::make_unique<detail::SqliteSpool>(std::move(store).value(), std::move(queued).value(),
                                            std::move(dead).value(), std::move(opened), options);
  return std::unique_ptr<Spool>(std::move(spool));
}

std::string spool_manifest_path(const std::string& db_path) {
  return detail::manifest_path(db_path);
}

Status check_sqlite_spool(const SqliteSpoolOptions& options) {
  env::Env& env = options.env != nullptr ? *options.env : env::system_env();
  std::optional<detail::Manifest> expected;
  const std::string manifest = detail::manifest_path(options.path);
  if (options.manifest) {
    auto read = detail::read_manifest(env, manifest);
    if (!read.ok() && !options.accept_gap) return read.error();
    if (read.ok()) expected = std::move(read).value();
  }
  std::error_code ec;
  if (!std::filesystem::exists(options.path, ec)) {
    if (expected && !options.accept_gap) {
      return make_error("spool_behind_manifest",
                        "the spool database " + options.path + " is missing but its manifest " +
                            manifest +
                            " exists: restore it from backup, or start with "
                            "--accept-spool-gap",
                        options.path);
    }
    return Status::Ok();  // a first start creates it
  }
  if (std::filesystem::is_directory(options.path, ec)) {
    return make_error("storage_unavailable", options.path + " is a directory", options.path);
  }
  // No -wal: nothing but the file itself to read, and immutable=1 creates no -shm either.
  const bool has_wal = std::filesystem::exists(options.path + "-wal", ec);
  auto db = detail::Connection::open_read_only("file:" + options.path +
                                               (has_wal ? "?mode=ro" : "?immutable=1"));
  if (!db.ok()) return db.error();
  auto version = db->query_int64("PRAGMA user_version");
  if (!version.ok()) return version.error();
  if (*version > detail::kSchemaVersion) {
    return make_error("schema_mismatch", "spool schema version " + std::to_string(*version) +
                                             " is newer than this build's " +
                                             std::to_string(detail::kSchemaVersion));
  }
  auto verdict = db->query_text("PRAGMA quick_check(1)");
  if (!verdict.ok()) return verdict.error();
  if (*verdict != "ok") return make_error("corrupt", "spool integrity check: " + *verdict);
  if (!expected || options.accept_gap) return Status::Ok();
  detail::Manifest found;
  if (*version == detail::kSchemaVersion) {
    const std::pair<const char*, std::int64_t*> queries[] = {
        {"SELECT coalesce(max(seq), 0) FROM audit_records", &found.audit_seq},
        {"SELECT coalesce(max(seq), 0) FROM audit_checkpoints", &found.sealed_seq},
        {"SELECT count(*) FROM submissions", &found.submissions},
        {"SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'copies'), 0)",
         &found.last_delivery_id}};
    for (const auto& [sql, target] : queries) {
      auto value = db->query_int64(sql);
      if (!value.ok()) return value.error();
      *target = *value;
    }
  }
  std::string chain_at;
  if (expected->audit_seq > 0 && found.audit_seq >= expected->audit_seq) {
    auto hex = db->query_text("SELECT lower(hex(chain)) FROM audit_records WHERE seq = " +
                              std::to_string(expected->audit_seq));
    if (!hex.ok()) return hex.error();
    chain_at = *hex;
  }
  if (auto missing = detail::shortfalls(*expected, found, chain_at); !missing.empty()) {
    return make_error("spool_behind_manifest",
                      "the spool " + options.path +
                          " is behind its manifest: " + join_lines(missing) +
                          ". Restore the files from backup, or start with --accept-spool-gap",
                      options.path);
  }
  return Status::Ok();
}

Status set_max_page_count(Spool& spool, std::int64_t pages) {
  auto* embedded = dynamic_cast<detail::SqliteSpool*>(&spool);
  if (embedded == nullptr) {
    return make_error("invalid_argument", "set_max_page_count: not an embedded (SQLite) spool");
  }
  if (pages < 1) return make_error("invalid_argument", "set_max_page_count: pages must be >= 1");
  embedded->set_max_page_count(pages);
  return Status::Ok();
}

}  // namespace accord::spool
