// accord spool migrate: moves a stopped gateway's SQLite spool into an empty PostgreSQL spool
// and verifies it on arrival (docs/operations.md "Moving a spool to PostgreSQL"). The copying
// is accord_spool's migrate_sqlite_to_pg(); the checks are AuditReader::verify on both sides
// and count_spool_rows(). This file does arguments, progress and the summary.
//
// Exit codes: 0 migrated and verified; 1 usage, key or source problem (nothing written);
// 2 the target is refused (not empty, a newer schema, another gateway key; nothing written);
// 3 PostgreSQL unreachable or failed while writing (nothing committed); 4 verification
// failed: the source's audit chain (nothing written) or the target's rows after the commit.
#include <iostream>
#include <memory>
#include <string>

#include "accord/audit/verifier.hpp"
#include "accord/spool/audit_reader.hpp"
#include "accord/spool/pg_migrate.hpp"
#include "accord/spool/pg_spool.hpp"
#include "commands.hpp"
#include "key_loading.hpp"

namespace accord::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitSource = 1;
constexpr int kExitTargetRefused = 2;
constexpr int kExitTargetFailed = 3;
constexpr int kExitVerify = 4;

struct MigrateFlags {
  std::string from;
  std::string to;
  std::size_t batch = 1000;
  std::string gateway_key;
};

[[noreturn]] void fail_with(int code, const std::string& message) {
  std::cerr << "accord spool migrate: " << message << "\n";
  throw CLI::RuntimeError(code);
}

int exit_code_for(const Error& e) {
  if (e.path != "to") return kExitSource;
  if (e.code == "target_not_empty" || e.code == "key_mismatch" || e.code == "schema_mismatch") {
    return kExitTargetRefused;
  }
  return kExitTargetFailed;
}

// The whole audit log at `location` under `key`; the report, or the command ends.
audit::VerifyReport verify_log(const std::string& location, const crypto::GatewayPublicKey& key,
                               const std::string& side, int open_failure) {
  auto reader = spool::AuditReader::open(location);
  if (!reader) fail_with(open_failure, side + ": " + reader.error().message);
  auto report = (*reader)->verify(key, audit::VerifyOptions{});
  if (!report) fail_with(open_failure, side + ": " + report.error().message);
  return *report;
}

std::string describe_failure(const audit::VerifyReport& report) {
  const auto& f = *report.failure;
  return f.code + " at seq " + std::to_string(f.seq) + ": " + f.message;
}

void run_migrate(const MigrateFlags& f) {
  if (!spool::is_postgresql_uri(f.to)) {
    fail_with(kExitSource, "--to must be a PostgreSQL URI (postgresql://...), got " +
                               spool::redact_conninfo(f.to));
  }
  if (spool::is_postgresql_uri(f.from)) {
    fail_with(kExitSource, "--from is the SQLite spool file (the gateway's storage.path)");
  }
  const auto key = load_gateway_key(f.gateway_key);
  const std::string target = spool::redact_conninfo(f.to);

  // The source's chain first: a log that does not verify is not moved.
  const auto before = verify_log(f.from, key, "source " + f.from, kExitSource);
  if (!before.ok()) {
    fail_with(kExitVerify, "the source's audit log does not verify (" + describe_failure(before) +
                               "); nothing was written. `accord audit verify --db " + f.from +
                               "` says more");
  }

  spool::MigrateOptions options;
  options.from = f.from;
  options.to = f.to;
  options.batch = f.batch;
  options.gateway_kid = key.kid;
  options.progress = [](const std::string& table, std::int64_t done, std::int64_t total) {
    std::cerr << "accord spool migrate: " << table << " " << done << "/" << total << "\n";
  };
  auto migrated = spool::migrate_sqlite_to_pg(options);
  if (!migrated) {
    const auto& e = migrated.error();
    const int code = exit_code_for(e);
    fail_with(code, (e.path == "to" ? "target " + target : "source " + f.from) + ": " + e.message +
                        (code == kExitTargetFailed ? " (nothing was committed)" : ""));
  }
  const spool::SpoolCounts& source = migrated->source;
  std::cout << "migrated " << f.from << " -> " << target << ": " << source.submissions
            << " submissions, " << source.copies << " copies (next delivery id "
            << migrated->next_delivery_id << "), " << source.audit_records
            << " audit records (last seq " << source.last_audit_seq << "), "
            << source.audit_checkpoints << " checkpoints (sealed up to " << source.sealed_seq
            << "), " << source.subject_state << " subject-state rows\n";
  std::cout.flush();

  // On arrival: the same rows, and the chain verifies under the same key.
  auto arrived = spool::count_spool_rows(f.to);
  if (!arrived) fail_with(kExitTargetFailed, "target " + target + ": " + arrived.error().message);
  if (!(*arrived == source)) {
    fail_with(kExitVerify,
              "the target's rows differ from the source's after the commit: submissions " +
                  std::to_string(arrived->submissions) + "/" + std::to_string(source.submissions) +
                  ", copies " + std::to_string(arrived->copies) + "/" +
                  std::to_string(source.copies) + ", audit records " +
                  std::to_string(arrived->audit_records) + "/" +
                  std::to_string(source.audit_records) + ", checkpoints " +
                  std::to_string(arrived->audit_checkpoints) + "/" +
                  std::to_string(source.audit_checkpoints) + ", subject-state rows " +
                  std::to_string(arrived->subject_state) + "/" +
                  std::to_string(source.subject_state) + ", audit_head seq " +
                  std::to_string(arrived->head_seq) + "/" + std::to_string(source.head_seq) +
                  ", sealed " + std::to_string(arrived->head_sealed_seq) + "/" +
                  std::to_string(source.head_sealed_seq) + ", chain " +
                  (arrived->head_chain_matches ? "matches" : "DIFFERS") +
                  " (target/source); do not start gateways on it");
  }
  const auto after = verify_log(f.to, key, "target " + target, kExitTargetFailed);
  if (!after.ok()) {
    fail_with(kExitVerify, "the migrated audit log does not verify (" + describe_failure(after) +
                               "); do not start gateways on it");
  }
  std::cout << "verified on arrival: row counts and audit head equal the source's; audit chain "
               "intact ("
            << after.records << " records, " << after.checkpoints << " checkpoints, sealed up to "
            << after.sealed_seq << ", unsealed tail " << after.unsealed_tail << ")\n";
  std::cout.flush();
  throw CLI::RuntimeError(kExitOk);
}

}  // namespace

void add_spool_commands(CLI::App& app) {
  CLI::App* group = app.add_subcommand("spool",
                                       "Operate on a spool database directly (migrate: the gateway "
                                       "stopped; backup: while it runs)");
  group->require_subcommand(1);

  auto f = std::make_shared<MigrateFlags>();
  CLI::App* migrate = group->add_subcommand(
      "migrate",
      "Move a SQLite spool (queued copies, dedup rows, audit log) into an empty PostgreSQL "
      "spool and verify it there");
  migrate->add_option("--from", f->from, "the SQLite spool file (read-only; gateway stopped)")
      ->required();
  migrate
      ->add_option("--to", f->to,
                   "the target database, a libpq URI (postgresql://user@host:port/db); "
                   "passwords belong in a passfile")
      ->required();
  migrate->add_option("--batch", f->batch, "rows per INSERT; progress on stderr after each")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  migrate
      ->add_option("--gateway-key", f->gateway_key,
                   "the gateway's public key: the GET /v1/gateway-key document (file or "
                   "inline) or the bare base64 key")
      ->envname("ACCORD_GATEWAY_KEY")
      ->required();
  migrate->footer(
      "Everything is written in one transaction into an empty database (created schema\n"
      "included). Exit 0 migrated and verified, 1 usage/key/source problem, 2 target refused\n"
      "(not empty, newer schema, another gateway key), 3 PostgreSQL unreachable or failed\n"
      "(nothing committed), 4 an audit chain or the row counts do not verify.");
  migrate->callback([f] { run_migrate(*f); });
  add_spool_backup_command(*group);
}

}  // namespace accord::cli
