#include "accord/server/crl.hpp"

#include <sys/stat.h>

namespace accord::server {

std::string_view freshness_name(CrlFreshness freshness) {
  switch (freshness) {
    case CrlFreshness::fresh:
      return "fresh";
    case CrlFreshness::expiring:
      return "expiring";
    case CrlFreshness::expired:
      return "expired";
  }
  return "fresh";
}

CrlFreshness crl_freshness(std::int64_t next_update, std::int64_t now,
                           std::chrono::seconds warn_before) {
  if (next_update == 0) return CrlFreshness::fresh;
  if (now >= next_update) return CrlFreshness::expired;
  if (next_update - now <= warn_before.count()) return CrlFreshness::expiring;
  return CrlFreshness::fresh;
}

std::optional<FileStamp> stamp_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  FileStamp stamp;
  stamp.device = static_cast<std::uint64_t>(st.st_dev);
  stamp.inode = static_cast<std::uint64_t>(st.st_ino);
  stamp.size = static_cast<std::int64_t>(st.st_size);
  stamp.mtime_ns =
      static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  stamp.ctime_ns =
      static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec;
  return stamp;
}

}  // namespace accord::server
