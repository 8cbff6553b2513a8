// Which request paths name a console file: the alphabet (400 outside it) and the segment rules
// (404), so no spelling of a parent directory, a hidden file or an escape reaches the disk.
#include "accord/console/asset_name.hpp"

#include <gtest/gtest.h>

#include <string>

namespace accord::console {
namespace {

struct NameRow {
  std::string rest;  // the path after "/console/"
  std::string name;  // the file named; empty: refused with `code`
  std::string code;
};

// Control bytes escaped: ctest names the test by this text.
void PrintTo(const NameRow& row, std::ostream* os) {
  *os << '"';
  for (const char c : row.rest) {
    if (static_cast<unsigned char>(c) < 0x20) {
      *os << "\\x" << std::hex << static_cast<int>(c) << std::dec;
    } else {
      *os << c;
    }
  }
  *os << '"';
}

class AssetNameTest : public ::testing::TestWithParam<NameRow> {};

TEST_P(AssetNameTest, NamesAFileOrRefuses) {
  const NameRow& row = GetParam();
  const auto name = asset_name(row.rest);
  if (row.code.empty()) {
    ASSERT_TRUE(name.ok()) << name.error().message;
    EXPECT_EQ(*name, row.name);
  } else {
    ASSERT_FALSE(name.ok()) << *name;
    EXPECT_EQ(name.error().code, row.code);
    EXPECT_EQ(name.error().path, "target");
  }
}

INSTANTIATE_TEST_SUITE_P(
    Names, AssetNameTest,
    ::testing::Values(
        NameRow{"", "index.html", ""}, NameRow{"app.js", "app.js", ""},
        NameRow{"pages/audit.js", "pages/audit.js", ""},
        NameRow{"vendor/x-1.2.3/LICENSE", "vendor/x-1.2.3/LICENSE", ""},
        NameRow{"a_b-c.d.css", "a_b-c.d.css", ""},
        // The segment rules: 404, as an unknown file.
        NameRow{"..", "", "not_found"}, NameRow{"../etc/passwd", "", "not_found"},
        NameRow{"pages/../../x", "", "not_found"}, NameRow{".", "", "not_found"},
        NameRow{"./app.js", "", "not_found"}, NameRow{".hidden", "", "not_found"},
        NameRow{"pages/.git", "", "not_found"}, NameRow{"pages//a.js", "", "not_found"},
        NameRow{"/etc/passwd", "", "not_found"}, NameRow{"pages/", "", "not_found"},
        // Outside the alphabet: 400.
        NameRow{"%2e%2e/etc/passwd", "", "invalid_request"},
        NameRow{"%2E%2E", "", "invalid_request"}, NameRow{"app%2ejs", "", "invalid_request"},
        NameRow{"..\\etc\\passwd", "", "invalid_request"},
        NameRow{"pages\\audit.js", "", "invalid_request"},
        NameRow{std::string("app.js\0.png", 11), "", "invalid_request"},
        NameRow{"app.js\n", "", "invalid_request"},
        NameRow{"caf\xc3\xa9.js", "", "invalid_request"}, NameRow{"a b.js", "", "invalid_request"},
        NameRow{"app.js;x", "", "invalid_request"}));

}  // namespace
}  // namespace accord::console
