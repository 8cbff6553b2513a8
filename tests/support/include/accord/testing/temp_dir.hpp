// A temporary directory made with mkdtemp under /tmp and removed, with everything in it,
// when the TempDir is destroyed. Not copyable; movable.
#pragma once

#include <string>
#include <string_view>

namespace accord::testing {

class TempDir {
 public:
  // `prefix` becomes /tmp/<prefix>XXXXXX. Aborts if mkdtemp fails (a broken test host).
  explicit TempDir(std::string_view prefix = "accord-test-");
  ~TempDir();
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

}  // namespace accord::testing
