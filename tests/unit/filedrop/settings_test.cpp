#include <gtest/gtest.h>

#include "accord/adapters/filedrop.hpp"

namespace accord::adapters {
namespace {

constexpr const char* kValidCsv = R"(type: filedrop
directory: drop/in
format: csv
event_type_column: event
mapping:
  id: ref
  case.urn: urn
  subject.role: role
  subject.ref: subject
  occurred_at: when
  data.offence.category: offence
  data.count: n
constants: {case.owner: police.met, classification: OFFICIAL-SENSITIVE}
types: {data.count: integer}
)";

TEST(FiledropInboundSettings, ValidCsvConfig) {
  auto s = parse_filedrop_inbound_settings(YAML::Load(kValidCsv), "/etc/accord");
  ASSERT_TRUE(s.ok()) << s.error().message << " at " << s.error().path;
  EXPECT_EQ(s->directory, "/etc/accord/drop/in");
  EXPECT_EQ(s->poll, std::chrono::milliseconds(1000));
  EXPECT_EQ(s->max_in_flight, 1u);
  EXPECT_EQ(s->event_type_column, "event");
  ASSERT_EQ(s->mapping.size(), 7u);
  EXPECT_EQ(s->mapping[0], (std::pair<std::string, std::string>{"id", "ref"}));
  EXPECT_EQ(s->types.at("data.count"), CellType::integer);
}

TEST(FiledropInboundSettings, JsonlNeedsOnlyDirectoryAndFormat) {
  auto s = parse_filedrop_inbound_settings(
      YAML::Load("{type: filedrop, directory: /d, format: jsonl, poll_ms: 20, max_in_flight: 3}"),
      "");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->format, FiledropInboundSettings::Format::jsonl);
  EXPECT_EQ(s->poll, std::chrono::milliseconds(20));
  EXPECT_EQ(s->max_in_flight, 3u);
}

struct BadRow {
  const char* name;
  std::string yaml;
  std::string path;     // expected "line:col"; empty = do not check
  std::string message;  // a fragment of the message
};

class FiledropInboundSettingsRefused : public ::testing::TestWithParam<BadRow> {};

TEST_P(FiledropInboundSettingsRefused, WithLineAndColumn) {
  const auto& row = GetParam();
  auto s = parse_filedrop_inbound_settings(YAML::Load(row.yaml), "/base");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "invalid_config");
  if (!row.path.empty()) {
    EXPECT_EQ(s.error().path, row.path);
  }
  EXPECT_NE(s.error().message.find(row.message), std::string::npos) << s.error().message;
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

INSTANTIATE_TEST_SUITE_P(
    Rows, FiledropInboundSettingsRefused,
    ::testing::Values(
        BadRow{"unknown_key", "type: filedrop\ndirectory: /d\nformat: csv\nbogus: 1\n", "4:1",
               "unknown key 'bogus'"},
        BadRow{"not_a_mapping", "[1, 2]", "1:1", "must be a mapping"},
        BadRow{"no_directory", "{type: filedrop, format: jsonl}", "", "needs directory"},
        BadRow{"no_format", "{type: filedrop, directory: /d}", "", "needs format"},
        BadRow{"bad_format", "type: filedrop\ndirectory: /d\nformat: xml\n", "3:9", "csv or jsonl"},
        BadRow{"wrong_type", "type: webhook\n", "1:7", "type must be filedrop"},
        BadRow{"poll_zero", "type: filedrop\npoll_ms: 0\n", "2:10", "greater than 0"},
        BadRow{"poll_not_number", "type: filedrop\npoll_ms: soon\n", "2:10", "wrong type"},
        BadRow{"jsonl_with_mapping",
               "type: filedrop\ndirectory: /d\nformat: jsonl\nmapping: {id: a}\n", "4:10",
               "only to format csv"},
        BadRow{"no_id_mapping", replace(kValidCsv, "  id: ref\n", ""), "", "column for id"},
        BadRow{"both_event_types",
               replace(kValidCsv, "format: csv\n", "format: csv\nevent_type: x.y\n"), "",
               "exactly one of"},
        BadRow{"no_event_type", replace(kValidCsv, "event_type_column: event\n", ""), "",
               "exactly one of"},
        BadRow{"field_not_supplied", replace(kValidCsv, "  occurred_at: when\n", ""), "",
               "occurred_at is neither"},
        BadRow{"not_an_envelope_path",
               replace(kValidCsv, "  id: ref\n", "  id: ref\n  colour: c\n"), "7:3",
               "not an envelope field"},
        BadRow{"bad_data_key", replace(kValidCsv, "  id: ref\n", "  id: ref\n  data.a..b: c\n"),
               "7:3", "not an envelope field"},
        BadRow{"mapped_and_constant",
               replace(kValidCsv, "  case.urn: urn\n", "  case.urn: urn\n  case.owner: o\n"), "",
               "given twice"},
        BadRow{"overlapping_data_paths",
               replace(kValidCsv, "  data.count: n\n", "  data.count: n\n  data.offence: o\n"), "",
               "overlap"},
        BadRow{"type_of_unmapped",
               replace(kValidCsv, "{data.count: integer}", "{data.other: integer}"), "",
               "not mapped"},
        BadRow{"type_unknown", replace(kValidCsv, "{data.count: integer}", "{data.count: float}"),
               "", "integer, boolean or string"},
        BadRow{"type_not_data", replace(kValidCsv, "{data.count: integer}", "{id: integer}"), "",
               "not a data.* path"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(FiledropOutboundSettings, DefaultsAndRefusals) {
  auto ok = parse_filedrop_outbound_settings(YAML::Load("{type: filedrop, directory: out}"), "/b");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->directory, "/b/out");
  EXPECT_TRUE(ok->fsync);
  EXPECT_EQ(ok->max_in_flight, 32u);
  EXPECT_EQ(ok->writers, 4u);
  auto off = parse_filedrop_outbound_settings(
      YAML::Load("{directory: /o, fsync: false, max_in_flight: 5, writers: 64}"), "");
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->fsync);
  EXPECT_EQ(off->max_in_flight, 5u);
  EXPECT_EQ(off->writers, 64u);

  for (const auto& [yaml, path] : std::vector<std::pair<std::string, std::string>>{
           {"type: filedrop\ndirectory: /o\nextra: 1\n", "3:1"},
           {"type: filedrop\nfsync: maybe\n", "2:8"},
           {"directory: /o\nwriters: 65\n", "2:10"},
           {"directory: /o\nwriters: 0\n", "2:10"},
           {"directory: /o\nmax_in_flight: 0\n", "2:16"},
           {"type: filedrop\n", "1:1"},
           {"directory: [a]\n", "1:12"}}) {
    auto s = parse_filedrop_outbound_settings(YAML::Load(yaml), "");
    ASSERT_FALSE(s.ok()) << yaml;
    EXPECT_EQ(s.error().code, "invalid_config");
    EXPECT_EQ(s.error().path, path) << yaml << s.error().message;
  }
}

}  // namespace
}  // namespace accord::adapters
