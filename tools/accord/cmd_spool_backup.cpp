// accord spool backup: an online copy of the embedded (SQLite) spool, taken while the gateway
// runs (docs/operations.md "Backing up and restoring"). The copying is accord_spool's
// backup_sqlite_spool(); this file does arguments, the optional chain check and the summary.
//
// Exit codes: 0 backed up (and, with --gateway-key, the copy's audit chain verified); 1 usage,
// source, target or I/O problem (no copy left behind); 4 the copy's audit chain does not
// verify under --gateway-key (the copy is kept, for inspection, and said so).
#include <iostream>
#include <memory>
#include <string>

#include "accord/audit/verifier.hpp"
#include "accord/env/env.hpp"
#include "accord/spool/audit_reader.hpp"
#include "accord/spool/pg_migrate.hpp"
#include "accord/spool/pg_spool.hpp"
#include "accord/spool/sqlite_backup.hpp"
#include "commands.hpp"
#include "key_loading.hpp"

namespace accord::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitProblem = 1;
constexpr int kExitVerify = 4;

struct BackupFlags {
  std::string db;
  std::string to;
  std::string gateway_key;
};

[[noreturn]] void fail_with(int code, const std::string& message) {
  std::cerr << "accord spool backup: " << message << "\n";
  throw CLI::RuntimeError(code);
}

void verify_copy(const std::string& copy, const std::string& gateway_key) {
  const auto key = load_gateway_key(gateway_key);
  auto reader = spool::AuditReader::open(copy);
  if (!reader) fail_with(kExitProblem, copy + ": " + reader.error().message);
  auto report = (*reader)->verify(key, audit::VerifyOptions{});
  if (!report) fail_with(kExitProblem, copy + ": " + report.error().message);
  if (!report->ok()) {
    const auto& f = *report->failure;
    fail_with(kExitVerify, "the copy's audit chain does not verify (" + f.code + " at seq " +
                               std::to_string(f.seq) + ": " + f.message + "); the copy " + copy +
                               " is kept for inspection: do not restore it");
  }
  std::cout << "audit chain verified: " << report->records << " records, " << report->checkpoints
            << " checkpoints, sealed up to " << report->sealed_seq << ", unsealed tail "
            << report->unsealed_tail << "\n";
}

void run_backup(const BackupFlags& f) {
  if (spool::is_postgresql_uri(f.db)) {
    fail_with(kExitProblem,
              "--db is the SQLite spool file; back up a PostgreSQL spool with pg_basebackup "
              "(docs/operations.md, \"High availability\")");
  }
  // Parsed before anything is written: a bad key leaves no copy behind.
  if (!f.gateway_key.empty()) (void)load_gateway_key(f.gateway_key);
  auto copied = spool::backup_sqlite_spool(env::system_env(), f.db, f.to);
  if (!copied) fail_with(kExitProblem, copied.error().message);
  auto counts = spool::count_spool_rows(f.to);
  if (!counts) fail_with(kExitProblem, f.to + ": " + counts.error().message);
  std::cout << "backed up " << f.db << " -> " << f.to << " (0600, " << copied->bytes
            << " bytes, schema version " << copied->schema_version << "): " << counts->submissions
            << " submissions, " << counts->copies << " copies, " << counts->audit_records
            << " audit records (last seq " << counts->last_audit_seq << "), "
            << counts->audit_checkpoints << " checkpoints (sealed up to " << counts->sealed_seq
            << ")\n";
  if (!f.gateway_key.empty()) verify_copy(f.to, f.gateway_key);
  std::cout.flush();
  throw CLI::RuntimeError(kExitOk);
}

}  // namespace

void add_spool_backup_command(CLI::App& group) {
  auto f = std::make_shared<BackupFlags>();
  CLI::App* backup = group.add_subcommand(
      "backup",
      "Copy a SQLite spool (queued copies, dedup rows, audit log) into a new file, one "
      "consistent snapshot, while the gateway runs");
  backup->add_option("--db", f->db, "the SQLite spool file (storage.path), read only")->required();
  backup->add_option("--to", f->to, "the new backup file (made 0600; must not exist)")->required();
  backup->add_option("--gateway-key", f->gateway_key,
                     "also verify the copy's audit chain under the gateway's public key: the "
                     "GET /v1/gateway-key document (file or inline) or the bare base64 key");
  backup->footer(
      "The copy is one file (no -wal beside it), checked with SQLite's quick_check. Keep the\n"
      "pseudonym and signing keys with it (docs/operations.md, \"Backing up and restoring\").\n"
      "Exit 0 backed up (and verified), 1 usage, source, target or I/O problem (no copy\n"
      "left), 4 the copy's audit chain does not verify.");
  backup->callback([f] { run_backup(*f); });
}

}  // namespace accord::cli
