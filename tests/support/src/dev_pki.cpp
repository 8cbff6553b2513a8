#include "accord/testing/dev_pki.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "accord/testing/temp_dir.hpp"

namespace accord::testing {
namespace {

std::string source_dir() {
  if (const char* env = std::getenv("ACCORD_SOURCE_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  return ACCORD_DEFAULT_SOURCE_DIR;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

// Runs the script into `out`, logging to `log`; returns "" or what went wrong.
std::string generate(const std::string& out, const std::string& log) {
  const std::string script = source_dir() + "/certs/gen-dev-pki.sh";
  const std::string command = "bash '" + script + "' '" + out + "' > '" + log + "' 2>&1";
  if (int rc = std::system(command.c_str()); rc != 0) {
    return command + " failed (status " + std::to_string(rc) + "):\n" + read_file(log);
  }
  return {};
}

}  // namespace

const DevPki& dev_pki() {
  static const DevPki pki = [] {
    DevPki p;
    // Under ctest every test case is its own process, so a fresh PKI per process would
    // cost ~1 s per test. With ACCORD_BINARY_DIR (set by ctest) the PKI is kept in the
    // build dir and shared; the script is idempotent (keeps existing files) and runs under
    // an exclusive lock so parallel ctest jobs do not race. Without it: a TempDir per
    // process, removed at exit.
    if (const char* bin = std::getenv("ACCORD_BINARY_DIR"); bin != nullptr && *bin != '\0') {
      const std::string base = std::string(bin) + "/tests/support";
      std::error_code ignored;
      std::filesystem::create_directories(base, ignored);
      p.dir_ = base + "/dev-pki";
      int lock = ::open((base + "/dev-pki.lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
      if (lock >= 0) ::flock(lock, LOCK_EX);
      p.error_ = generate(p.dir_, base + "/dev-pki.log");
      if (lock >= 0) ::close(lock);  // releases the lock
      return p;
    }
    static TempDir dir("accord-pki-");  // lives until exit, so the files outlive every test
    p.dir_ = dir.file("pki");
    p.error_ = generate(p.dir_, dir.file("gen-dev-pki.log"));
    return p;
  }();
  return pki;
}

}  // namespace accord::testing
