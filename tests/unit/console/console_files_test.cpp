// The console's answers: redirects, files with the security headers, ETag and 304, refusals;
// the embedded files against console/ on disk; console_dir read per request and kept inside.
#include "accord/console/console_files.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "accord/console/assets.hpp"
#include "accord/testing/temp_dir.hpp"

namespace accord::console {
namespace {

namespace fs = std::filesystem;

std::string header(const ConsoleReply& reply, std::string_view name) {
  for (const auto& [key, value] : reply.headers) {
    if (key == name) return value;
  }
  return {};
}

std::string sha256_etag(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    static constexpr char kHex[] = "0123456789abcdef";
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0x0f];
  }
  return "\"" + hex + "\"";
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& path, std::string_view text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

void expect_security_headers(const ConsoleReply& reply) {
  EXPECT_EQ(header(reply, "Content-Security-Policy"),
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
  EXPECT_EQ(header(reply, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(header(reply, "X-Frame-Options"), "DENY");
  EXPECT_EQ(header(reply, "Referrer-Policy"), "no-referrer");
  EXPECT_EQ(header(reply, "Cache-Control"), "no-cache");
}

struct PathRow {
  std::string path;
  unsigned status;   // 0: refused with `code`
  std::string code;  // or, for 200, the Content-Type; for 302, the Location
};

// Control bytes escaped: ctest names the test by this text.
void PrintTo(const PathRow& row, std::ostream* os) {
  for (const char c : row.path) {
    if (static_cast<unsigned char>(c) < 0x20) {
      *os << "\\x" << std::hex << static_cast<int>(c) << std::dec;
    } else {
      *os << c;
    }
  }
}

class ConsolePathTest : public ::testing::TestWithParam<PathRow> {};

TEST_P(ConsolePathTest, AnswersAsDocumented) {
  const PathRow& row = GetParam();
  const auto reply = console_reply(ConsoleOptions{}, row.path, "");
  if (row.status == 0) {
    ASSERT_FALSE(reply.ok()) << reply->status;
    EXPECT_EQ(reply.error().code, row.code);
    return;
  }
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(reply->status, row.status);
  if (row.status == 302) {
    EXPECT_EQ(header(*reply, "Location"), row.code);
    EXPECT_TRUE(reply->body.empty());
  } else {
    EXPECT_EQ(header(*reply, "Content-Type"), row.code);
    expect_security_headers(*reply);
    EXPECT_EQ(header(*reply, "ETag"), sha256_etag(reply->body));
    EXPECT_FALSE(reply->body.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Paths, ConsolePathTest,
    ::testing::Values(PathRow{"/", 302, "/console/"}, PathRow{"/console", 302, "/console/"},
                      PathRow{"/console/", 200, "text/html; charset=utf-8"},
                      PathRow{"/console/index.html", 200, "text/html; charset=utf-8"},
                      PathRow{"/console/app.js", 200, "text/javascript; charset=utf-8"},
                      PathRow{"/console/styles.css", 200, "text/css; charset=utf-8"},
                      PathRow{"/console/no-such.js", 0, "not_found"},
                      PathRow{"/console/../gateway.yaml", 0, "not_found"},
                      PathRow{"/console/%2e%2e/gateway.yaml", 0, "invalid_request"},
                      PathRow{"/console/..%2fgateway.yaml", 0, "invalid_request"},
                      PathRow{"/console/..\\gateway.yaml", 0, "invalid_request"},
                      PathRow{std::string("/console/app.js\0", 16), 0, "invalid_request"},
                      PathRow{"/consoleX", 0, "not_found"},
                      PathRow{"/v1/admin/x", 0, "not_found"}));

TEST(ConsoleFiles, OffAnswersNotFoundEverywhere) {
  ConsoleOptions off;
  off.enabled = false;
  for (const char* path : {"/", "/console", "/console/", "/console/app.js"}) {
    const auto reply = console_reply(off, path, "");
    ASSERT_FALSE(reply.ok()) << path;
    EXPECT_EQ(reply.error().code, "not_found") << path;
  }
}

TEST(ConsoleFiles, MatchingIfNoneMatchIs304WithTheSameHeadersAndNoBody) {
  const auto first = console_reply(ConsoleOptions{}, "/console/app.js", "");
  ASSERT_TRUE(first.ok());
  const std::string etag = header(*first, "ETag");
  for (const std::string& if_none_match :
       {etag, "W/" + etag, "\"other\", " + etag, "\"other\"," + etag + " ", std::string("*")}) {
    const auto again = console_reply(ConsoleOptions{}, "/console/app.js", if_none_match);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->status, 304u) << if_none_match;
    EXPECT_TRUE(again->body.empty());
    EXPECT_EQ(header(*again, "ETag"), etag);
    expect_security_headers(*again);
  }
  for (const std::string& if_none_match : {std::string("\"other\""), etag.substr(1), etag + "x"}) {
    const auto again = console_reply(ConsoleOptions{}, "/console/app.js", if_none_match);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->status, 200u) << if_none_match;
    EXPECT_EQ(again->body, first->body);
  }
}

// A file added to, changed in or removed from console/ without the build noticing would
// serve stale bytes: the embedded table must be console/ exactly (hidden files aside).
TEST(ConsoleFiles, EmbeddedFilesAreConsoleDirExactly) {
  const char* source = std::getenv("ACCORD_SOURCE_DIR");
  ASSERT_NE(source, nullptr);
  const fs::path root = fs::path(source) / "console";
  std::size_t on_disk = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const std::string name = fs::relative(entry.path(), root).generic_string();
    if (!entry.is_regular_file() || name.starts_with('.') || name.find("/.") != std::string::npos) {
      continue;
    }
    ++on_disk;
    const EmbeddedFile* file = find_embedded(name);
    ASSERT_NE(file, nullptr) << name << " is not embedded";
    EXPECT_EQ(file->bytes(), read_file(entry.path())) << name;
    EXPECT_EQ(std::string(file->etag), sha256_etag(file->bytes())) << name;
  }
  EXPECT_EQ(embedded_files().size(), on_disk);
  EXPECT_NE(find_embedded("index.html"), nullptr);
}

TEST(ConsoleFiles, ContentTypesByExtension) {
  const std::array<std::pair<const char*, const char*>, 11> rows{{
      {"index.html", "text/html; charset=utf-8"},
      {"pages/audit.js", "text/javascript; charset=utf-8"},
      {"styles.css", "text/css; charset=utf-8"},
      {"logo.svg", "image/svg+xml"},
      {"shot.png", "image/png"},
      {"data.json", "application/json"},
      {"font.woff2", "font/woff2"},
      {"vendor/x/README.md", "text/plain; charset=utf-8"},
      {"notes.txt", "text/plain; charset=utf-8"},
      {"vendor/x/LICENSE", "application/octet-stream"},
      {"app.js.map", "application/octet-stream"},
  }};
  for (const auto& [name, type] : rows) EXPECT_EQ(content_type_for(name), type) << name;
}

class ConsoleDirTest : public ::testing::Test {
 protected:
  ConsoleDirTest() {
    options_.dir = dir_.path();
    write_file(dir_.file("index.html"), "<!doctype html><title>dev</title>");
    write_file(dir_.file("pages/audit.js"), "export const v = 1;");
    write_file(outside_.file("secret.txt"), "outside the console directory");
  }
  Result<ConsoleReply> get(std::string_view path) { return console_reply(options_, path, ""); }

  testing::TempDir dir_{"accord-console-dir-"};
  testing::TempDir outside_{"accord-console-outside-"};
  ConsoleOptions options_;
};

TEST_F(ConsoleDirTest, ServesTheFilesReadAtEachRequest) {
  auto page = get("/console/pages/audit.js");
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(page->body, "export const v = 1;");
  EXPECT_EQ(header(*page, "Content-Type"), "text/javascript; charset=utf-8");
  expect_security_headers(*page);
  const std::string old_etag = header(*page, "ETag");
  EXPECT_EQ(old_etag, sha256_etag(page->body));

  // A developer's edit shows at the next request, with a new ETag.
  write_file(dir_.file("pages/audit.js"), "export const v = 2;");
  page = console_reply(options_, "/console/pages/audit.js", old_etag);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->status, 200u);
  EXPECT_EQ(page->body, "export const v = 2;");
  EXPECT_NE(header(*page, "ETag"), old_etag);

  const auto index = get("/console/");
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(index->body, "<!doctype html><title>dev</title>");
}

TEST_F(ConsoleDirTest, NothingOutsideTheDirectoryIsReachable) {
  fs::create_symlink(outside_.file("secret.txt"), dir_.file("link.txt"));
  fs::create_directory_symlink(outside_.path(), dir_.file("linked"));
  for (const std::string& path :
       {std::string("/console/link.txt"), std::string("/console/linked/secret.txt"),
        std::string("/console/pages"), std::string("/console/missing.js"),
        "/console/../" + fs::path(outside_.path()).filename().string() + "/secret.txt"}) {
    const auto reply = get(path);
    ASSERT_FALSE(reply.ok()) << path << " answered " << reply->body;
    EXPECT_EQ(reply.error().code, "not_found") << path;
  }
  const auto escaped = get("/console/%2e%2e/secret.txt");
  ASSERT_FALSE(escaped.ok());
  EXPECT_EQ(escaped.error().code, "invalid_request");
}

}  // namespace
}  // namespace accord::console
