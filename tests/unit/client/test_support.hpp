// Test helpers for accord_client: a temporary dev PKI made by certs/gen-dev-pki.sh and the
// Python TLS server (tls_server.py) run as a child process.
#pragma once

#include <sys/types.h>

#include <cstdio>
#include <string>
#include <vector>

#include "accord/testing/temp_dir.hpp"

namespace accord::client::testing {

// A directory made with mkdtemp, removed with everything in it on destruction.
using TempDir = ::accord::testing::TempDir;

std::string source_dir();  // $ACCORD_SOURCE_DIR, aborts the test run when unset

// Runs certs/gen-dev-pki.sh into `dir` for the given agencies; false when it failed.
bool make_dev_pki(const std::string& dir, const std::vector<std::string>& agencies);

// tls_server.py as a child process. Killed (SIGTERM) and reaped on destruction.
class PythonTlsServer {
 public:
  // `args` are passed to tls_server.py after the script path.
  explicit PythonTlsServer(const std::vector<std::string>& args);
  ~PythonTlsServer();
  PythonTlsServer(const PythonTlsServer&) = delete;
  PythonTlsServer& operator=(const PythonTlsServer&) = delete;

  bool running() const { return port_ != 0; }
  unsigned short port() const { return port_; }
  // Blocks until the server prints a line equal to `line`; false when it exited first.
  bool wait_for_line(const std::string& line);

 private:
  pid_t pid_ = -1;
  std::FILE* out_ = nullptr;
  unsigned short port_ = 0;
};

}  // namespace accord::client::testing
