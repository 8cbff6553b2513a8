// Structured members: in JSON members of the line's object after "message", in text
// ` name=value` after the message (quoted when a value could be misread). The access logger
// shares the gateway log's sinks and writes whatever log.level says.
#include "accord/logging/structured.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "accord/logging/json_formatter.hpp"

namespace accord::logging {
namespace {

using nlohmann::json;

struct TextRow {
  const char* name;
  std::vector<Field> fields;
  std::string expected;
};

class TextFieldRows : public ::testing::TestWithParam<TextRow> {};

TEST_P(TextFieldRows, Row) {
  EXPECT_EQ(text_fields(GetParam().fields), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Text, TextFieldRows,
    ::testing::Values(
        TextRow{"bare",
                {{"listener", std::string("agency")}, {"status", std::int64_t{202}}},
                " listener=agency status=202"},
        TextRow{"path_kept_bare",
                {{"path", std::string("/v1/inbox/m-1/ack")}},
                " path=/v1/inbox/m-1/ack"},
        TextRow{"space_quoted", {{"peer", std::string("a b")}}, " peer=\"a b\""},
        TextRow{"quote_and_equals_quoted", {{"x", std::string("k=\"v\"")}}, " x=\"k=\\\"v\\\"\""},
        TextRow{"newline_escaped", {{"x", std::string("a\nb")}}, " x=\"a\\nb\""},
        TextRow{"empty_quoted", {{"x", std::string()}}, " x=\"\""},
        TextRow{"non_ascii_quoted", {{"x", std::string("café")}}, " x=\"café\""},
        TextRow{"negative_number", {{"n", std::int64_t{-3}}}, " n=-3"}, TextRow{"none", {}, ""}),
    [](const auto& info) { return std::string(info.param.name); });

// A logger writing into a string, in the given format; restores text afterwards.
class Captured {
 public:
  explicit Captured(LogFormat f) {
    set_format(f);
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    logger_ = std::make_shared<spdlog::logger>("captured", sink);
    if (f == LogFormat::json) logger_->set_formatter(std::make_unique<JsonFormatter>());
    logger_->set_level(spdlog::level::info);
  }
  ~Captured() { set_format(LogFormat::text); }
  spdlog::logger* logger() { return logger_.get(); }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> logger_;
};

TEST(LogFields, JsonMembersFollowTheMessageInOrder) {
  Captured captured(LogFormat::json);
  log_fields(spdlog::level::info, "access",
             {{"listener", std::string("admin")},
              {"path", std::string("/v1/admin/audit/records")},
              {"status", std::int64_t{200}},
              {"message", std::string("not allowed to replace the message")}},
             captured.logger());
  const std::string line = captured.text();
  ASSERT_EQ(line.find('\n'), line.size() - 1) << line;
  const auto object = json::parse(line);
  EXPECT_EQ(object["message"], "access");
  EXPECT_EQ(object["listener"], "admin");
  EXPECT_EQ(object["path"], "/v1/admin/audit/records");
  EXPECT_EQ(object["status"], 200);
  EXPECT_LT(line.find("\"message\""), line.find("\"listener\"")) << line;
  EXPECT_LT(line.find("\"listener\""), line.find("\"status\"")) << line;
  EXPECT_EQ(object.size(), 6u) << line;  // time, level, message + three fields
}

TEST(LogFields, FieldsBelongToTheirOwnLineOnly) {
  Captured captured(LogFormat::json);
  log_fields(spdlog::level::info, "first", {{"a", std::int64_t{1}}}, captured.logger());
  captured.logger()->info("second");
  std::istringstream lines(captured.text());
  std::string first, second;
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_EQ(json::parse(first)["a"], 1) << first;
  EXPECT_FALSE(json::parse(second).contains("a")) << second;
}

TEST(LogFields, TextAppendsTheFields) {
  Captured captured(LogFormat::text);
  log_fields(spdlog::level::info, "access", {{"status", std::int64_t{404}}}, captured.logger());
  EXPECT_NE(captured.text().find("access status=404"), std::string::npos) << captured.text();
}

TEST(LogFields, BelowTheLevelNothingIsWritten) {
  Captured captured(LogFormat::json);
  log_fields(spdlog::level::debug, "quiet", {{"a", std::int64_t{1}}}, captured.logger());
  EXPECT_EQ(captured.text(), "");
}

TEST(AccessLogger, SharesTheSinksAndIgnoresTheGatewayLevel) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("accord", sink));
  spdlog::set_level(spdlog::level::warn);  // log.level: warn
  set_format(LogFormat::json);
  spdlog::drop("access");
  log_fields(spdlog::level::info, "access", {{"status", std::int64_t{202}}}, &access_logger());
  spdlog::info("an info line of the gateway: below its level");
  spdlog::drop("access");
  set_format(LogFormat::text);
  spdlog::set_default_logger(previous);
  const std::string text = out.str();
  ASSERT_EQ(text.find('\n'), text.size() - 1) << text;
  const auto object = json::parse(text);
  EXPECT_EQ(object["message"], "access");
  EXPECT_EQ(object["status"], 202);
}

}  // namespace
}  // namespace accord::logging
