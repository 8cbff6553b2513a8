// yaml::nearest and yaml::check_mapping: unknown keys with a suggestion only when close,
// duplicates, missing required keys, wrong shapes, each with its line:col.
#include "accord/yaml/keys.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace accord::yaml {
namespace {

struct NearestRow {
  const char* key;
  const char* suggestion;  // "" = none
};

class NearestRows : public ::testing::TestWithParam<NearestRow> {};

TEST_P(NearestRows, Row) {
  const std::vector<std::string_view> known = {"retry",     "max_attempts", "ca",   "crl",
                                               "review_by", "timeout_ms",   "port", "path"};
  EXPECT_EQ(nearest(GetParam().key, known), GetParam().suggestion) << GetParam().key;
}

INSTANTIATE_TEST_SUITE_P(Table, NearestRows,
                         ::testing::Values(NearestRow{"retyr", "retry"},  // transposition
                                           NearestRow{"rety", "retry"},   // one missing
                                           NearestRow{"max_atempts", "max_attempts"},
                                           NearestRow{"reviw_by", "review_by"},
                                           NearestRow{"timeout", ""},  // 3 edits: another word
                                           NearestRow{"colour", ""},
                                           NearestRow{"cb", ""},  // two letters: no guessing
                                           NearestRow{"prt", "port"}, NearestRow{"", ""}));

struct KeysRow {
  const char* name;
  const char* text;
  std::vector<std::string> codes;  // every problem, in order
  const char* at;                  // "line:col" of the first
  const char* text_of_first;       // part of Problem::text() of the first
};

class KeysRows : public ::testing::TestWithParam<KeysRow> {};

TEST_P(KeysRows, Row) {
  const KeysRow& row = GetParam();
  const Keys keys{{"url"}, {"retry", "timeout_ms", "headers"}};
  const auto problems = check_mapping(YAML::Load(row.text), "webhook adapter", keys);
  std::vector<std::string> codes;
  for (const Problem& p : problems) codes.push_back(p.code);
  EXPECT_EQ(codes, row.codes);
  if (problems.empty()) return;
  EXPECT_EQ(problems[0].at.to_string(), row.at);
  EXPECT_NE(problems[0].text().find(row.text_of_first), std::string::npos) << problems[0].text();
  EXPECT_FALSE(problems[0].hint.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Table, KeysRows,
    ::testing::Values(
        KeysRow{"clean", "url: x\nretry: 1\nheaders: {a: b}\n", {}, "", ""},
        KeysRow{"suggestion",
                "url: x\nretyr: 1\n",
                {"unknown_key"},
                "2:1",
                "unknown key 'retyr' in webhook adapter; did you mean 'retry'?"},
        KeysRow{"no_close_key_lists_the_known",
                "url: x\ncolour: red\n",
                {"unknown_key"},
                "2:1",
                "unknown key 'colour' in webhook adapter; known: headers, retry, timeout_ms, url"},
        KeysRow{"duplicate",
                "url: x\nretry: 1\nretry: 2\n",
                {"duplicate_key"},
                "3:1",
                "duplicate key 'retry' in webhook adapter (first at 2:1); keep one 'retry'"},
        KeysRow{"missing_required",
                "retry: 1\n",
                {"missing_key"},
                "1:1",
                "missing required key 'url' in webhook adapter"},
        KeysRow{"missing_in_flow_mapping",
                "{retry: 1}",
                {"missing_key"},
                "1:1",
                "missing required key 'url'"},
        KeysRow{"several_at_once",
                "retyr: 1\nretyr: 2\ncolour: 3\n",
                {"unknown_key", "unknown_key", "unknown_key", "missing_key"},
                "1:1",
                "did you mean 'retry'?"},
        KeysRow{"a_list",
                "- url\n",
                {"wrong_type"},
                "1:1",
                "webhook adapter must be a mapping, not a list"},
        KeysRow{"a_scalar", "https://x\n", {"wrong_type"}, "1:1", "not a single value"},
        KeysRow{"nothing", "", {"wrong_type"}, "", "not nothing"},
        KeysRow{"non_text_key",
                "url: x\n[a]: 1\n",
                {"wrong_type"},
                "2:1",
                "keys in webhook adapter must be plain names"},
        KeysRow{"values_are_not_checked", "url: {nested: [1]}\nretry: [a, b]\n", {}, "", ""}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace accord::yaml
