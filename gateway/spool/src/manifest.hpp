// The spool's manifest and lock: two small files beside the database (docs/storage.md,
// "Manifest and lock").
//
// The manifest remembers how far the spool had got — the audit head, the count of stored
// submissions, the highest delivery id — as of the last audit checkpoint or clean shutdown.
// It is written atomically and fsync'd AFTER the commit it describes, so the database can
// be ahead of it (a crash before the next write), never legitimately behind. A database
// behind its manifest lost committed data (a truncated or deleted WAL, a truncated or
// replaced database file) even when SQLite's integrity check passes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "accord/core/result.hpp"
#include "accord/env/env.hpp"

namespace accord::spool::detail {

inline constexpr const char* kManifestFormat = "accord-spool-manifest-1";

struct Manifest {
  std::int64_t audit_seq = 0;         // last audit record committed
  std::string audit_head;             // hex h_audit_seq (empty when audit_seq is 0)
  std::int64_t sealed_seq = 0;        // last record under a signed checkpoint
  std::int64_t submissions = 0;       // rows in `submissions` (never purged)
  std::int64_t last_delivery_id = 0;  // highest delivery id ever handed out
  std::int64_t written_at_ms = 0;
  bool clean_shutdown = false;  // written by the last shutdown (not by a checkpoint)
};

std::string manifest_path(const std::string& db_path);  // "<db>.manifest"
std::string lock_path(const std::string& db_path);      // "<db>.lock"

// nullopt when the file does not exist; `corrupt` when it exists but cannot be read.
Result<std::optional<Manifest>> read_manifest(env::Env& env, const std::string& path);
// env.replace_file (mode 0600): "<path>.tmp" fsync'd, renamed over `path`, directory fsync'd.
// storage_unavailable when the disk refuses.
Status write_manifest(env::Env& env, const std::string& path, const Manifest& manifest);

// What `found` (the database as opened) lacks against `expected` (the manifest), one line
// per shortfall; empty when the database is level with or ahead of the manifest.
// `chain_at_expected` is the database's h at expected.audit_seq (hex), empty when absent.
std::vector<std::string> shortfalls(const Manifest& expected, const Manifest& found,
                                    const std::string& chain_at_expected);

// An exclusive advisory lock (flock) on "<db>.lock", held while the spool is open: a second
// gateway on the same spool is refused at open instead of fighting the first for the
// database's write lock. Released when the object is destroyed (or the process dies).
class FileLock {
 public:
  // `spool_locked` when another open spool (this process or another) holds it.
  static Result<FileLock> acquire(const std::string& path);
  FileLock() = default;
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

 private:
  int fd_ = -1;
};

// Creates `path` empty with mode 0600 if it does not exist (env.write_new_file: the new name
// is durable before SQLite writes into it), and narrows an existing file to 0600 (SQLite
// gives the -wal and -shm files the database file's mode). Also narrows the -wal and -shm
// files if present.
Status make_private(env::Env& env, const std::string& db_path);

}  // namespace accord::spool::detail
