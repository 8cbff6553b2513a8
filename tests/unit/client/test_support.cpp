#include "test_support.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

namespace accord::client::testing {

std::string source_dir() {
  const char* dir = std::getenv("ACCORD_SOURCE_DIR");
  if (dir == nullptr) {
    std::cerr << "ACCORD_SOURCE_DIR is not set (run the tests through ctest)\n";
    std::abort();
  }
  return dir;
}

namespace {

// Single-quotes `s` for /bin/sh.
std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

bool make_dev_pki(const std::string& dir, const std::vector<std::string>& agencies) {
  std::string cmd = "bash " + quote(source_dir() + "/certs/gen-dev-pki.sh") + " " + quote(dir);
  for (const auto& a : agencies) cmd += " " + quote(a);
  cmd += " >/dev/null";
  return std::system(cmd.c_str()) == 0;
}

PythonTlsServer::PythonTlsServer(const std::vector<std::string>& args) {
  int fds[2];
  if (::pipe(fds) != 0) return;
  std::vector<std::string> argv_s = {"/usr/bin/python3",
                                     source_dir() + "/tests/unit/client/tls_server.py"};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  if (pid_ < 0) {
    ::close(fds[0]);
    return;
  }
  out_ = ::fdopen(fds[0], "r");
  char line[64];
  if (out_ != nullptr && std::fgets(line, sizeof line, out_) != nullptr) {
    port_ = static_cast<unsigned short>(std::strtoul(line, nullptr, 10));
  }
}

PythonTlsServer::~PythonTlsServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (out_ != nullptr) std::fclose(out_);
}

bool PythonTlsServer::wait_for_line(const std::string& want) {
  if (out_ == nullptr) return false;
  char line[512];
  while (std::fgets(line, sizeof line, out_) != nullptr) {
    std::string got(line);
    while (!got.empty() && (got.back() == '\n' || got.back() == '\r')) got.pop_back();
    if (got == want) return true;
  }
  return false;
}

}  // namespace accord::client::testing
