#include "accord/crypto/key_dir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "accord/crypto/key_files.hpp"

namespace accord::crypto {
namespace {

Error io_error(const std::string& path, const std::string& message) {
  return make_error("io_error", path + ": " + message, path);
}

}  // namespace

Result<std::vector<std::string>> list_dir_files(const std::string& dir, std::string_view suffix) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return io_error(dir, std::strerror(errno));
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d)) {
    const std::string_view name = e->d_name;
    if (name.size() > suffix.size() && name.ends_with(suffix)) names.emplace_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  std::vector<std::string> paths;
  for (const auto& name : names) {
    std::string path = dir + "/" + name;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) paths.push_back(std::move(path));
  }
  return paths;
}

Result<std::vector<std::pair<std::string, std::string>>> read_dir_files(const std::string& dir,
                                                                        std::string_view suffix) {
  auto paths = list_dir_files(dir, suffix);
  if (!paths) return paths.error();
  std::vector<std::pair<std::string, std::string>> files;
  for (auto& path : *paths) {
    auto text = read_text_file(path);
    if (!text) return text.error();
    files.emplace_back(std::move(path), std::move(*text));
  }
  return files;
}

Result<std::string> read_private_file(const std::string& path) {
  // Open first, then fstat the descriptor we read from: no window between check and read.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error(path, std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int e = errno;
    ::close(fd);
    return io_error(path, std::strerror(e));
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return make_error("insecure_permissions",
                      path + ": secret key file has mode " + mode +
                          ": group or others may access it; run `chmod 600 " + path + "`",
                      path);
  }
  std::string text;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      sodium_memzero(text.data(), text.size());
      return io_error(path, std::strerror(e));
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  sodium_memzero(buffer, sizeof buffer);
  return text;
}

}  // namespace accord::crypto
