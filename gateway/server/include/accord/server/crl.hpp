// CRL housekeeping that needs no socket: how close the loaded CRL is to its nextUpdate, and
// whether the CRL file changed since it was loaded (the watcher behind
// ServerOptions::crl_check_interval). Pure or a single stat(), so tests drive them directly.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace accord::server {

enum class CrlFreshness {
  fresh,     // nextUpdate is further away than the warning window (or the CRL gives none)
  expiring,  // nextUpdate is within the warning window: publish a new CRL and reload
  expired,   // nextUpdate has passed: OpenSSL refuses every client certificate until reload
};
std::string_view freshness_name(CrlFreshness freshness);

// `next_update` and `now` in Unix seconds; next_update 0 means "none given" (fresh).
CrlFreshness crl_freshness(std::int64_t next_update, std::int64_t now,
                           std::chrono::seconds warn_before);

// Identifies a file's content cheaply: a rewrite in place changes size or mtime/ctime, an
// atomic replace (rename) changes the inode.
struct FileStamp {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::int64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;
  bool operator==(const FileStamp&) const = default;
};
// nullopt when the file cannot be stat()ed (for example while it is being replaced).
std::optional<FileStamp> stamp_file(const std::string& path);

}  // namespace accord::server
