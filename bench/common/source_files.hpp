// Finding the repository from a benchmark binary: ACCORD_SOURCE_DIR when set (ctest sets it),
// otherwise the tree the binary was configured from (ACCORD_BENCH_SOURCE_DIR, a compile
// definition of each benchmark target that includes this).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace accord::bench {

inline std::string source_dir() {
  const char* env = std::getenv("ACCORD_SOURCE_DIR");
  return env != nullptr ? env : ACCORD_BENCH_SOURCE_DIR;
}

// The whole file; empty when it cannot be read (the benchmark then fails its own checks).
inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace accord::bench
