// The JSON formatter: every message, whatever bytes it holds, is one line that is one JSON
// object with time (UTC, milliseconds), level and the message back exactly (invalid UTF-8
// bytes as U+FFFD).
#include "accord/logging/json_formatter.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

namespace accord::logging {
namespace {

using nlohmann::json;

// 2026-12-06T20:59:01.123Z
const auto kTime = spdlog::log_clock::time_point(std::chrono::milliseconds(1'796'590'741'123));

std::string format(std::string_view message, spdlog::level::level_enum level = spdlog::level::info,
                   spdlog::log_clock::time_point time = kTime) {
  spdlog::details::log_msg msg(time, spdlog::source_loc{}, "accord", level,
                               spdlog::string_view_t(message.data(), message.size()));
  spdlog::memory_buf_t out;
  JsonFormatter formatter;
  formatter.format(msg, out);
  return std::string(out.data(), out.size());
}

// One line, ending in exactly one newline, that parses as an object.
json one_object(const std::string& line) {
  EXPECT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n') << line;
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "a newline inside the line: " << line;
  EXPECT_EQ(line.find('\r'), std::string::npos) << line;
  const auto parsed = json::parse(line, nullptr, false);
  EXPECT_TRUE(parsed.is_object()) << line;
  return parsed;
}

struct MessageRow {
  const char* name;
  std::string message;
  std::string expected;  // the "message" member, decoded
};

class JsonMessageRows : public ::testing::TestWithParam<MessageRow> {};

TEST_P(JsonMessageRows, OneObjectPerLineWithTheMessageBack) {
  const auto& row = GetParam();
  const auto object = one_object(format(row.message));
  ASSERT_TRUE(object.is_object());
  EXPECT_EQ(object["message"], row.expected);
  EXPECT_EQ(object["time"], "2026-12-06T20:59:01.123Z");
  EXPECT_EQ(object["level"], "info");
  EXPECT_EQ(object.size(), 3u) << object.dump();
}

INSTANTIATE_TEST_SUITE_P(
    Escaping, JsonMessageRows,
    ::testing::Values(
        MessageRow{"plain", "accord server listening on 127.0.0.1:8443",
                   "accord server listening on 127.0.0.1:8443"},
        MessageRow{"quotes", "file \"a.yaml\" said \"no\"", "file \"a.yaml\" said \"no\""},
        MessageRow{"backslash", "C:\\path\\n", "C:\\path\\n"},
        MessageRow{"newlines", "line one\nline two\r\n{\"time\":\"forged\"}",
                   "line one\nline two\r\n{\"time\":\"forged\"}"},
        MessageRow{"control_characters", std::string("bell\x07 nul\0 esc\x1b[31m", 19),
                   std::string("bell\x07 nul\0 esc\x1b[31m", 19)},
        MessageRow{"non_ascii_utf8", "Jürgen’s café — 日本 🙂",
                   "Jürgen’s café — 日本 🙂"},
        MessageRow{"invalid_utf8", "bad \xff\xfe bytes \xc3",
                   "bad \xef\xbf\xbd\xef\xbf\xbd bytes \xef\xbf\xbd"},
        MessageRow{"empty", "", ""}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(JsonFormatter, ControlCharactersAreEscapedNotWrittenRaw) {
  const auto line = format(std::string("a\x01z\tq", 5));
  EXPECT_NE(line.find("\\u0001"), std::string::npos) << line;
  EXPECT_NE(line.find("\\t"), std::string::npos) << line;
  for (std::size_t i = 0; i + 1 < line.size(); ++i) {
    EXPECT_GE(static_cast<unsigned char>(line[i]), 0x20u) << "raw control byte at " << i;
  }
}

struct LevelRow {
  spdlog::level::level_enum level;
  const char* name;
};

class JsonLevelRows : public ::testing::TestWithParam<LevelRow> {};

TEST_P(JsonLevelRows, LevelNamesAreLogLevels) {
  EXPECT_EQ(one_object(format("x", GetParam().level))["level"], GetParam().name);
}

INSTANTIATE_TEST_SUITE_P(Levels, JsonLevelRows,
                         ::testing::Values(LevelRow{spdlog::level::trace, "trace"},
                                           LevelRow{spdlog::level::debug, "debug"},
                                           LevelRow{spdlog::level::info, "info"},
                                           LevelRow{spdlog::level::warn, "warn"},
                                           LevelRow{spdlog::level::err, "error"},
                                           LevelRow{spdlog::level::critical, "critical"}),
                         [](const auto& info) { return std::string(info.param.name); });

struct TimeRow {
  std::int64_t unix_ms;
  const char* text;
};

class JsonTimeRows : public ::testing::TestWithParam<TimeRow> {};

TEST_P(JsonTimeRows, UtcWithMilliseconds) {
  const auto time = spdlog::log_clock::time_point(std::chrono::milliseconds(GetParam().unix_ms));
  EXPECT_EQ(one_object(format("x", spdlog::level::info, time))["time"], GetParam().text);
}

INSTANTIATE_TEST_SUITE_P(Times, JsonTimeRows,
                         ::testing::Values(TimeRow{0, "1970-01-01T00:00:00.000Z"},
                                           TimeRow{1'796'590'741'123, "2026-12-06T20:59:01.123Z"},
                                           TimeRow{1'782'863'999'999, "2026-06-30T23:59:59.999Z"},
                                           TimeRow{951'782'400'007, "2000-02-29T00:00:00.007Z"}));

}  // namespace
}  // namespace accord::logging
