// system_env() on real files: exclusive creation with exactly the mode asked whatever the
// umask, atomic replacement, nothing left behind by a failed write, and the error codes
// callers map to their own (file_exists, not_found, io_error).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "accord/env/env.hpp"
#include "accord/testing/temp_dir.hpp"

namespace accord::env {
namespace {

using accord::testing::TempDir;
namespace fs = std::filesystem;

// Sets the process umask for the scope of one test row.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : previous_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(previous_); }

 private:
  mode_t previous_;
};

// Makes every write past `bytes` fail with EFBIG (RLIMIT_FSIZE, SIGXFSZ ignored): a real
// write failure after the file was created, like a full disk.
class ScopedFileSizeLimit {
 public:
  explicit ScopedFileSizeLimit(rlim_t bytes) {
    previous_handler_ = ::signal(SIGXFSZ, SIG_IGN);
    ::getrlimit(RLIMIT_FSIZE, &previous_);
    rlimit limit = previous_;
    limit.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~ScopedFileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &previous_);
    ::signal(SIGXFSZ, previous_handler_);
  }

 private:
  rlimit previous_{};
  sighandler_t previous_handler_;
};

unsigned mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

std::string content_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(SystemEnv, WriteNewFileHasExactlyTheModeWhateverTheUmask) {
  struct Row {
    mode_t umask;
    unsigned mode;
  };
  const Row rows[] = {{022, 0600}, {077, 0600}, {022, 0644}, {077, 0644}, {0, 0600}, {0777, 0640}};
  TempDir dir("accord-env-");
  int n = 0;
  for (const auto& row : rows) {
    const std::string path = dir.file("f" + std::to_string(n++));
    {
      ScopedUmask umask(row.umask);
      ASSERT_TRUE(system_env().write_new_file(path, "secret", row.mode).ok());
    }
    EXPECT_EQ(mode_of(path), row.mode) << std::oct << "umask " << row.umask;
    EXPECT_EQ(content_of(path), "secret");
  }
}

TEST(SystemEnv, WriteNewFileNeverOverwrites) {
  TempDir dir("accord-env-");
  const std::string path = dir.file("key");
  ASSERT_TRUE(system_env().write_new_file(path, "first", 0600).ok());
  const auto again = system_env().write_new_file(path, "second", 0600);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "file_exists");
  EXPECT_EQ(again.error().path, path);
  EXPECT_EQ(content_of(path), "first");
}

TEST(SystemEnv, FailedWritesLeaveNothingBehind) {
  // Each row fails for real; afterwards the directory holds exactly what it held before.
  struct Row {
    const char* name;
    bool existing;  // a file with "old" content is there first
    bool replace;   // replace_file, else write_new_file
  };
  const Row rows[] = {{"new file, write fails", false, false},
                      {"replace of a missing file, write fails", false, true},
                      {"replace of an existing file, write fails", true, true}};
  const std::string big(4096, 'x');
  for (const auto& row : rows) {
    TempDir dir("accord-env-");
    const std::string path = dir.file("target");
    if (row.existing) {
      ASSERT_TRUE(system_env().write_new_file(path, "old", 0600).ok());
    }
    const auto before = names_in(dir.path());
    Status status;
    {
      ScopedFileSizeLimit limit(100);
      status = row.replace ? system_env().replace_file(path, big, 0600)
                           : system_env().write_new_file(path, big, 0600);
    }
    ASSERT_FALSE(status.ok()) << row.name;
    EXPECT_EQ(status.error().code, "io_error") << row.name;
    EXPECT_NE(status.error().message.find("write"), std::string::npos) << status.error().message;
    EXPECT_EQ(names_in(dir.path()), before) << row.name;
    if (row.existing) {
      EXPECT_EQ(content_of(path), "old") << row.name;
    }
  }
}

TEST(SystemEnv, WriteNewFileInAMissingDirectoryIsAnIoError) {
  TempDir dir("accord-env-");
  const auto status = system_env().write_new_file(dir.file("no/such/dir/key"), "x", 0600);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "io_error");
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{});
}

TEST(SystemEnv, ReplaceFileWritesNewContentAndExactMode) {
  struct Row {
    const char* old_content;  // nullptr: no file before
    std::string new_content;
    unsigned mode;
  };
  const Row rows[] = {{nullptr, "first", 0600},
                      {"old", "new", 0600},
                      {"old", "", 0640},
                      {"a much longer old content", "short", 0600},
                      {"old", std::string("nul\0inside", 10), 0644}};
  for (const auto& row : rows) {
    TempDir dir("accord-env-");
    const std::string path = dir.file("manifest");
    if (row.old_content) {
      ASSERT_TRUE(system_env().write_new_file(path, row.old_content, 0644).ok());
    }
    ScopedUmask umask(077);
    ASSERT_TRUE(system_env().replace_file(path, row.new_content, row.mode).ok());
    EXPECT_EQ(content_of(path), row.new_content);
    EXPECT_EQ(mode_of(path), row.mode);
    EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"manifest"}) << "temporary left";
  }
}

TEST(SystemEnv, ReplaceFileIsSeenWholeOldOrWholeNew) {
  // A reader racing the writer sees one complete version every time: never an empty, short
  // or mixed file (an in-place rewrite would show those).
  TempDir dir("accord-env-");
  const std::string path = dir.file("state");
  const std::string a(256 * 1024, 'a'), b(256 * 1024, 'b');
  ASSERT_TRUE(system_env().write_new_file(path, a, 0600).ok());
  std::atomic<bool> done{false};
  std::vector<std::string> bad;
  std::thread reader([&] {
    while (!done.load()) {
      auto text = system_env().read_file(path);
      if (!text.ok() || (text.value() != a && text.value() != b)) {
        bad.push_back(text.ok() ? "size " + std::to_string(text->size()) : text.error().message);
      }
    }
  });
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(system_env().replace_file(path, i % 2 ? a : b, 0600).ok());
  }
  done = true;
  reader.join();
  EXPECT_TRUE(bad.empty()) << bad.size() << " torn reads, e.g. " << bad.front();
}

TEST(SystemEnv, WriteFileOptions) {
  struct Row {
    const char* name;
    WriteOptions options;
    mode_t umask;
    unsigned mode;
    unsigned want_mode;
  };
  const Row rows[] = {
      {"defaults: replace_file", {}, 077, 0640, 0640},
      {"no sync", {.temp_path = "", .sync = false, .umask_narrows = false}, 022, 0600, 0600},
      {"umask narrows", {.temp_path = "", .sync = true, .umask_narrows = true}, 077, 0640, 0600},
      {"umask 022 keeps 0640",
       {.temp_path = "", .sync = false, .umask_narrows = true},
       022,
       0640,
       0640},
  };
  for (const auto& row : rows) {
    TempDir dir("accord-env-");
    const std::string path = dir.file("copy.json");
    WriteOptions options = row.options;
    ScopedUmask umask(row.umask);
    ASSERT_TRUE(system_env().write_file(path, "{}", row.mode, options).ok()) << row.name;
    EXPECT_EQ(content_of(path), "{}") << row.name;
    EXPECT_EQ(mode_of(path), row.want_mode) << row.name;
    EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"copy.json"}) << row.name;
  }
}

TEST(SystemEnv, WriteFileThroughANamedTemporary) {
  TempDir dir("accord-env-");
  WriteOptions options;
  options.temp_path = dir.file(".tmp-copy.json");
  // A failed write shows where the temporary was, and removes it.
  {
    ScopedFileSizeLimit limit(10);
    const auto failed =
        system_env().write_file(dir.file("copy.json"), std::string(100, 'x'), 0640, options);
    ASSERT_FALSE(failed.ok());
    EXPECT_NE(failed.error().message.find(".tmp-copy.json"), std::string::npos)
        << failed.error().message;
  }
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{});
  ASSERT_TRUE(system_env().write_file(dir.file("copy.json"), "{}", 0640, options).ok());
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"copy.json"});
}

TEST(SystemEnv, ReadFile) {
  TempDir dir("accord-env-");
  const std::string binary("a\0b\xff", 4);
  ASSERT_TRUE(system_env().write_new_file(dir.file("f"), binary, 0600).ok());
  fs::create_directory(dir.file("d"));
  struct Row {
    std::string path;
    const char* code;  // nullptr: reads `binary`
  };
  const Row rows[] = {{dir.file("f"), nullptr},
                      {dir.file("missing"), "not_found"},
                      {dir.file("missing-dir/f"), "not_found"},
                      {dir.file("d"), "io_error"}};  // read() of a directory: EISDIR
  for (const auto& row : rows) {
    const auto text = system_env().read_file(row.path);
    if (row.code == nullptr) {
      ASSERT_TRUE(text.ok()) << text.error().message;
      EXPECT_EQ(text.value(), binary);
    } else {
      ASSERT_FALSE(text.ok()) << row.path;
      EXPECT_EQ(text.error().code, row.code) << row.path;
      EXPECT_EQ(text.error().path, row.path);
    }
  }
}

TEST(SystemEnv, RemoveFile) {
  TempDir dir("accord-env-");
  ASSERT_TRUE(system_env().write_new_file(dir.file("f"), "x", 0600).ok());
  fs::create_directories(dir.file("d/inside"));
  struct Row {
    std::string path;
    const char* code;  // nullptr: ok
  };
  const Row rows[] = {{dir.file("f"), nullptr},
                      {dir.file("f"), nullptr},  // gone already: still ok
                      {dir.file("never-there"), nullptr},
                      {dir.file("d"), "io_error"}};  // a directory is not a file
  for (const auto& row : rows) {
    const auto status = system_env().remove_file(row.path);
    if (row.code == nullptr) {
      EXPECT_TRUE(status.ok()) << row.path << ": " << status.error().message;
    } else {
      ASSERT_FALSE(status.ok()) << row.path;
      EXPECT_EQ(status.error().code, row.code);
    }
  }
  EXPECT_FALSE(system_env().file_exists(dir.file("f")));
  EXPECT_TRUE(system_env().file_exists(dir.file("d")));
}

TEST(SystemEnv, ParentDirectory) {
  const std::pair<const char*, const char*> rows[] = {
      {"/var/lib/accord/spool.db", "/var/lib/accord"}, {"spool.db", "."}, {"a/b", "a"}};
  for (const auto& [path, parent] : rows) EXPECT_EQ(parent_directory(path), parent) << path;
}

}  // namespace
}  // namespace accord::env
