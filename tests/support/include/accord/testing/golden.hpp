// Committed test files under tests/data/ (the golden corrupt files of tests/data/corrupt,
// sample envelopes), found through ACCORD_SOURCE_DIR, which ctest sets for every test.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "accord/testing/temp_dir.hpp"

namespace accord::testing {

// $ACCORD_SOURCE_DIR (ctest sets it); aborts the test run when unset.
inline std::string source_dir() {
  const char* dir = std::getenv("ACCORD_SOURCE_DIR");
  if (dir == nullptr) {
    ADD_FAILURE() << "ACCORD_SOURCE_DIR is not set (run the tests through ctest)";
    std::abort();
  }
  return dir;
}

// A whole file (sample agreements, envelopes, keys); aborts the test run when unreadable.
inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path;
    std::abort();
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The path of tests/data/<relative> in the source tree.
inline std::string data_file(std::string_view relative) {
  const char* root = std::getenv("ACCORD_SOURCE_DIR");
  if (root == nullptr) {
    ADD_FAILURE() << "ACCORD_SOURCE_DIR is not set (run the tests through ctest)";
    return std::string(relative);
  }
  return std::string(root) + "/tests/data/" + std::string(relative);
}

// Copies tests/data/<relative> into `dir` as `as` with mode 0600, as key and spool files
// must be (git keeps them 0644); returns the copy's path.
inline std::string private_copy(std::string_view relative, const TempDir& dir,
                                std::string_view as) {
  const auto to = dir.file(as);
  std::filesystem::copy_file(data_file(relative), to,
                             std::filesystem::copy_options::overwrite_existing);
  ::chmod(to.c_str(), 0600);
  return to;
}

}  // namespace accord::testing
