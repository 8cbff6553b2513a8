#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "accord/adapters/filedrop.hpp"

namespace accord::adapters {
namespace {

Error io_error(const std::string& step, const std::string& path, int err) {
  return make_error("io", step + " " + path + ": " + std::strerror(err), path);
}

Status fsync_directory(const std::string& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("open directory", directory, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return io_error("fsync directory", directory, err);
  return Status::Ok();
}

}  // namespace

Status write_file_atomically(const std::string& directory, const std::string& name,
                             std::string_view content, bool fsync) {
  const std::string tmp = directory + "/.tmp-" + name;
  const std::string final_path = directory + "/" + name;
  // 0640: the copy holds personal data; the recipient's reader is expected to share the
  // group, nobody else needs it (the umask may narrow this further).
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return io_error("create", tmp, errno);
  auto abandon = [&](const std::string& step, int err) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return Status(io_error(step, tmp, err));
  };
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return abandon("write", errno);
    }
    written += static_cast<std::size_t>(n);
  }
  if (fsync && ::fsync(fd) != 0) return abandon("fsync", errno);
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return io_error("close", tmp, err);
  }
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return io_error("rename to", final_path, err);
  }
  // The rename is durable only once the directory entry is.
  if (fsync) return fsync_directory(directory);
  return Status::Ok();
}

}  // namespace accord::adapters
