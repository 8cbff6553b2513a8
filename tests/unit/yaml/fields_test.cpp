// yaml::read_mapping and the typed readers: first problem wins, Error{invalid_config, text,
// "line:col"}, one message shape for unknown, duplicate, missing and wrongly typed values.
#include "accord/yaml/fields.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace accord::yaml {
namespace {

struct Settings {
  std::int64_t retry = 0;
  std::size_t count = 0;
  std::uint16_t small = 0;
  double rate = 0;
  bool enabled = false;
  std::string name;
  std::chrono::milliseconds timeout{0};
  std::int64_t inner = 0;
};

Status read(const std::string& text, Settings& s) {
  const Handlers inner = {
      {"value", [&](const YAML::Node& n) { return read_positive(n, "outer.value", s.inner); }}};
  const Handlers handlers = {
      {"retry", [&](const YAML::Node& n) { return read_positive(n, "retry", s.retry); }},
      {"count", [&](const YAML::Node& n) { return read_count(n, "count", s.count); }},
      {"small", [&](const YAML::Node& n) { return read_positive(n, "small", s.small); }},
      {"rate", [&](const YAML::Node& n) { return read_positive(n, "rate", s.rate); }},
      {"enabled", [&](const YAML::Node& n) { return read_scalar(n, "enabled", s.enabled); }},
      {"name", [&](const YAML::Node& n) { return read_text(n, "name", s.name); }},
      {"timeout_ms", [&](const YAML::Node& n) { return read_millis(n, "timeout_ms", s.timeout); }},
      {"outer", [&](const YAML::Node& n) { return read_mapping(n, "outer", inner, {"value"}); }}};
  return read_mapping(YAML::Load(text), "settings", handlers, {"name"});
}

struct FieldRow {
  const char* name;
  const char* text;
  const char* at;       // "" with message "" = reads cleanly
  const char* message;  // part of the error message
};

class FieldRows : public ::testing::TestWithParam<FieldRow> {};

TEST_P(FieldRows, Row) {
  const FieldRow& row = GetParam();
  Settings settings;
  const Status status = read(row.text, settings);
  if (std::string(row.message).empty()) {
    EXPECT_TRUE(status.ok()) << status.error().message << " at " << status.error().path;
    return;
  }
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "invalid_config");
  EXPECT_EQ(status.error().path, row.at);
  EXPECT_NE(status.error().message.find(row.message), std::string::npos) << status.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, FieldRows,
    ::testing::Values(
        FieldRow{"all_good",
                 "name: a\nretry: 3\ncount: 2\nsmall: 65535\nrate: 0.5\nenabled: true\n"
                 "timeout_ms: 10\nouter: {value: 1}\n",
                 "", ""},
        FieldRow{"unknown_with_suggestion", "name: a\nrety: 1\n", "2:1",
                 "unknown key 'rety' in settings; did you mean 'retry'?"},
        FieldRow{"unknown_without_suggestion", "name: a\nzzz: 1\n", "2:1",
                 "unknown key 'zzz' in settings; known: count, enabled, name"},
        FieldRow{"unknown_nested", "name: a\nouter: {valeu: 1}\n", "2:9",
                 "unknown key 'valeu' in outer; did you mean 'value'?"},
        FieldRow{"duplicate_top", "name: a\nretry: 1\nretry: 2\n", "3:1",
                 "duplicate key 'retry' in settings (first at 2:1)"},
        FieldRow{"duplicate_nested_reported_before_values",
                 "retry: 0\nouter: {value: 1, value: 2}\n", "2:19",
                 "duplicate key 'value' in outer (first at 2:9)"},
        FieldRow{"keys_before_values", "retry: 0\nname: a\nbogus: 1\n", "3:1",
                 "unknown key 'bogus'"},
        FieldRow{"missing_required", "retry: 1\n", "1:1",
                 "missing required key 'name' in settings"},
        FieldRow{"missing_nested_required", "name: a\nouter: {}\n", "2:8",
                 "missing required key 'value' in outer"},
        FieldRow{"bad_value_before_missing_key", "retry: x\n", "1:8",
                 "retry has the wrong type: expected a whole number, got 'x'"},
        FieldRow{"wrong_type_mapping", "name: a\nretry: {a: 1}\n", "2:8",
                 "retry has the wrong type: expected a whole number, got a mapping"},
        FieldRow{"wrong_type_list", "name: [a]\n", "1:7",
                 "name has the wrong type: expected text, got a list"},
        FieldRow{"wrong_type_nothing_at_its_key", "name: a\nenabled:\nretry: 1\n", "2:1",
                 "enabled has the wrong type: expected true or false, got nothing"},
        FieldRow{"bool_text", "name: a\nenabled: maybe\n", "2:10",
                 "enabled has the wrong type: expected true or false, got 'maybe'"},
        FieldRow{"zero", "name: a\nretry: 0\n", "2:8", "retry must be greater than 0"},
        FieldRow{"negative_count_is_not_wrapped", "name: a\ncount: -1\n", "2:8",
                 "count must be greater than 0"},
        FieldRow{"too_large_for_type", "name: a\nsmall: 65536\n", "2:8", "small is too large"},
        FieldRow{"zero_rate", "name: a\nrate: 0.0\n", "2:7", "rate must be greater than 0"},
        FieldRow{"empty_text", "name: \"\"\n", "1:7", "name must not be empty"},
        FieldRow{"not_a_mapping", "[1]\n", "1:1", "settings must be a mapping, not a list"},
        FieldRow{"long_value_shortened",
                 "name: a\nretry: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", "2:8",
                 "got 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Fields, HandlersRunInDocumentOrderAndFill) {
  Settings settings;
  ASSERT_TRUE(read("name: gw\ntimeout_ms: 250\ncount: 4\nouter: {value: 9}\n", settings).ok());
  EXPECT_EQ(settings.name, "gw");
  EXPECT_EQ(settings.timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(settings.count, 4u);
  EXPECT_EQ(settings.inner, 9);
}

TEST(Fields, ResolvePath) {
  EXPECT_EQ(resolve_path("/etc/accord", "var/../keys/a.key"), "/etc/accord/keys/a.key");
  EXPECT_EQ(resolve_path("/etc/accord", "/abs/x"), "/abs/x");
  EXPECT_EQ(resolve_path("", "rel/x"), "rel/x");
}

}  // namespace
}  // namespace accord::yaml
