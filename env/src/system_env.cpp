#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "accord/env/env.hpp"

namespace accord::env {
namespace {

Error io_error(const std::string& what, const std::string& path, int err) {
  return make_error("io_error", what + " " + path + ": " + std::strerror(err), path);
}

// Writes all of `content` to `fd`, retrying short writes and EINTR.
bool write_all(int fd, std::string_view content) {
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// Opens `path` with `flags`, then makes the mode exactly `mode` (the umask may have narrowed
// it) unless `umask_narrows`, writes `content` and fsyncs when `sync`. On failure the fd is
// closed and the error names the step.
Status write_synced(const std::string& path, int flags, std::string_view content, unsigned mode,
                    bool sync = true, bool umask_narrows = false) {
  const int fd = ::open(path.c_str(), flags | O_WRONLY | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) {
    if (errno == EEXIST) {
      return make_error("file_exists", path + " already exists; it is never overwritten", path);
    }
    return io_error("create", path, errno);
  }
  const char* step = nullptr;
  if (!umask_narrows && ::fchmod(fd, static_cast<mode_t>(mode)) != 0) {
    step = "chmod";
  } else if (!write_all(fd, content)) {
    step = "write";
  } else if (sync && ::fsync(fd) != 0) {
    step = "fsync";
  }
  const int err = errno;
  if (::close(fd) != 0 && step == nullptr) return io_error("close", path, errno);
  if (step != nullptr) return io_error(step, path, err);
  return Status::Ok();
}

class SystemEnv final : public Env {
 public:
  std::int64_t now_ms() override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
  std::int64_t steady_ms() override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
  }
  void random_bytes(std::span<unsigned char> out) override {
    randombytes_buf(out.data(), out.size());
  }

  Result<std::string> read_file(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT)
        return make_error("not_found", "cannot open " + path + ": no such file", path);
      return io_error("open", path, errno);
    }
    std::string content;
    char buffer[65536];
    for (;;) {
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int err = errno;
        ::close(fd);
        return io_error("read", path, err);
      }
      if (n == 0) break;
      content.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return content;
  }

  bool file_exists(const std::string& path) override {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
  }

  Status write_new_file(const std::string& path, std::string_view content, unsigned mode) override {
    if (auto s = write_synced(path, O_CREAT | O_EXCL, content, mode); !s.ok()) {
      if (s.error().code != "file_exists") ::unlink(path.c_str());
      return s;
    }
    if (auto s = sync_directory(parent_directory(path)); !s.ok()) {
      ::unlink(path.c_str());
      return s;
    }
    return Status::Ok();
  }

  Status replace_file(const std::string& path, std::string_view content, unsigned mode) override {
    return write_file(path, content, mode, WriteOptions{});
  }

  Status write_file(const std::string& path, std::string_view content, unsigned mode,
                    const WriteOptions& options) override {
    const std::string tmp = options.temp_path.empty() ? path + ".tmp" : options.temp_path;
    if (auto s = write_synced(tmp, O_CREAT | O_TRUNC, content, mode, options.sync,
                              options.umask_narrows);
        !s.ok()) {
      ::unlink(tmp.c_str());
      return s;
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
      const int err = errno;
      ::unlink(tmp.c_str());
      return io_error("rename", tmp, err);
    }
    // The rename is durable only once the directory entry is.
    if (!options.sync || !options.sync_directory) return Status::Ok();
    return sync_directory(parent_directory(path));
  }

  Status remove_file(const std::string& path) override {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return io_error("remove", path, errno);
    return Status::Ok();
  }

  Status sync_directory(const std::string& directory) override {
    const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return io_error("open directory", directory, errno);
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) return io_error("fsync directory", directory, err);
    return Status::Ok();
  }
};

}  // namespace

Env& system_env() {
  // libsodium must be initialised before randombytes_buf; sodium_init is idempotent.
  static SystemEnv* env = [] {
    if (sodium_init() < 0) std::abort();
    return new SystemEnv();  // never destroyed: other statics may use it during exit
  }();
  return *env;
}

std::string parent_directory(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  return dir.empty() ? "." : dir;
}

}  // namespace accord::env
