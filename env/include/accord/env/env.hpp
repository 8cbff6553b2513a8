// The Env seam (after LevelDB's Env): the gateway's clocks, file access and randomness come
// through one injected object, so tests can move time (FakeEnv), cut the power and fail
// chosen calls (FaultInjectionEnv), and production uses system_env().
//
// Contracts every implementation keeps:
// - now_ms() is the wall clock (ms since the Unix epoch): what leases, agreements, audit
//   records and retries are judged by. steady_ms() never goes back; it measures intervals.
// - write_new_file() and replace_file() return only once the content and the directory
//   entry are durable (fsync of the file, then of its directory). Files are created with
//   exactly `mode` whatever the umask; secrets use 0600.
// - Errors carry code `file_exists` (write_new_file on an existing path), `not_found`
//   (read_file of a missing path) or `io_error`, a message with the reason (strerror), and
//   the path. Callers map them to their own documented codes.
// Thread-safe: every member may be called from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "accord/core/result.hpp"

namespace accord::env {

// How write_file() writes. The defaults make it replace_file().
struct WriteOptions {
  std::string temp_path = {};  // what it writes, then renames over `path`; "": path + ".tmp"
  bool sync = true;            // false: no fsync of file or directory: atomic, but not durable
  // With `sync`: false fsyncs the file but leaves the directory's fsync (which makes the
  // rename durable) to the caller, who writes several files and fsyncs their directory once.
  bool sync_directory = true;
  bool umask_narrows = false;  // true: the process umask may narrow `mode` (files another
                               // party reads, where the operator's umask is the policy)
};

class Env {
 public:
  virtual ~Env() = default;

  // --- time
  virtual std::int64_t now_ms() = 0;     // wall clock, ms since the Unix epoch
  virtual std::int64_t steady_ms() = 0;  // monotonic, arbitrary origin

  // --- randomness: cryptographically secure in system_env() (libsodium randombytes_buf)
  virtual void random_bytes(std::span<unsigned char> out) = 0;

  // --- files
  virtual Result<std::string> read_file(const std::string& path) = 0;
  virtual bool file_exists(const std::string& path) = 0;
  // Creates `path` (O_EXCL: never overwrites; `file_exists` if it is there), writes
  // `content`, fsyncs it and its directory. On failure nothing is left at `path`.
  virtual Status write_new_file(const std::string& path, std::string_view content,
                                unsigned mode) = 0;
  // Replaces `path` atomically: writes `path + ".tmp"`, fsyncs it, renames it over `path`,
  // fsyncs the directory. A reader sees the old content or the new, never a mix.
  virtual Status replace_file(const std::string& path, std::string_view content, unsigned mode) = 0;
  // replace_file() as `options` say (its temporary, whether it syncs, the umask). The error
  // message names the failed step: create, chmod, write, fsync, close, rename.
  virtual Status write_file(const std::string& path, std::string_view content, unsigned mode,
                            const WriteOptions& options) = 0;
  virtual Status remove_file(const std::string& path) = 0;  // missing is not an error
  virtual Status sync_directory(const std::string& directory) = 0;
};

// The real machine: the system clocks, POSIX files, libsodium's randomness. Never destroyed.
Env& system_env();

// The directory part of `path` ("." when it has none): what replace_file and write_new_file
// fsync after the file itself.
std::string parent_directory(const std::string& path);

}  // namespace accord::env
