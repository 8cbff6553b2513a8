// Ending a command on a local problem (bad argument, unreadable file): one line on stderr,
// "accord: MESSAGE", then the CLI's exit code for local problems (1) via CLI11.
#pragma once

#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

namespace accord::cli {

[[noreturn]] inline void fail_local(const std::string& message) {
  std::cerr << "accord: " << message << "\n";
  throw CLI::RuntimeError(1);
}

}  // namespace accord::cli
