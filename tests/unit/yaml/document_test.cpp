// yaml::parse and yaml::duplicate_keys: syntax errors and duplicate keys at every depth, each
// at the second occurrence with the first one named.
#include "accord/yaml/document.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace accord::yaml {
namespace {

struct ParseRow {
  const char* name;
  const char* text;
  const char* code;     // of the first problem; "" = parses cleanly
  const char* at;       // "line:col" of the first problem
  const char* message;  // part of the first problem's message
};

class ParseRows : public ::testing::TestWithParam<ParseRow> {};

TEST_P(ParseRows, Row) {
  const ParseRow& row = GetParam();
  const Document document = parse(row.text);
  if (std::string(row.code).empty()) {
    EXPECT_TRUE(document.ok()) << document.problems.front().text();
    return;
  }
  ASSERT_FALSE(document.ok());
  const Problem& first = document.problems.front();
  EXPECT_EQ(first.code, row.code);
  EXPECT_EQ(first.at.to_string(), row.at);
  EXPECT_NE(first.message.find(row.message), std::string::npos) << first.message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseRows,
    ::testing::Values(
        ParseRow{"clean", "a: 1\nb: {c: 2}\n", "", "", ""}, ParseRow{"empty_text", "", "", "", ""},
        ParseRow{"same_key_in_two_mappings", "a: {x: 1}\nb: {x: 2}\n", "", "", ""},
        ParseRow{"top_level", "retry: 1\nport: 2\nretry: 3\n", "duplicate_key", "3:1",
                 "duplicate key 'retry' in the top level (first at 1:1)"},
        ParseRow{"depth_two", "listen:\n  port: 1\n  port: 2\n", "duplicate_key", "3:3",
                 "duplicate key 'port' in listen (first at 2:3)"},
        ParseRow{"depth_three", "a:\n  b:\n    c: 1\n    d: 2\n    c: 3\n", "duplicate_key", "5:5",
                 "duplicate key 'c' in a.b (first at 3:5)"},
        ParseRow{"flow_mapping", "tls: {ca: a, ca: b}\n", "duplicate_key", "1:14",
                 "duplicate key 'ca' in tls (first at 1:7)"},
        ParseRow{"inside_a_list", "zmq:\n  adapters:\n    - {agency: a, agency: b}\n",
                 "duplicate_key", "3:19", "duplicate key 'agency' in zmq.adapters[0]"},
        ParseRow{"second_list_item", "l:\n  - {k: 1}\n  - {k: 1, k: 2}\n", "duplicate_key", "3:12",
                 "in l[1]"},
        ParseRow{"quoted_and_plain_spelling", "a: 1\n\"a\": 2\n", "duplicate_key", "2:1",
                 "duplicate key 'a'"},
        ParseRow{"syntax", "a: [1, 2\n", "yaml_syntax", "2:1", "YAML syntax"},
        ParseRow{"bad_indentation", "a:\n  b: 1\n c: 2\n", "yaml_syntax", "3:2", "YAML syntax"},
        ParseRow{"two_documents", "a: 1\n---\nb: 2\n", "not_one_document", "3:1",
                 "several YAML documents"},
        ParseRow{"alias", "a: &x [1, 2]\nb: *x\n", "yaml_alias", "2:4", "aliases (*name)"},
        ParseRow{"alias_before_a_duplicate", "a: &x 1\nb: [*x]\nb: 2\n", "yaml_alias", "2:5",
                 "not accepted"},
        ParseRow{"self_alias", "a: &x [*x]\n", "yaml_alias", "1:8", "aliases"},
        ParseRow{"anchor_alone", "a: &x [1, 2]\nb: 3\n", "", "", ""},
        // yaml-cpp 0.7 reads a top-level `,` as endless empty documents: the scan stops at the
        // second (issue 19: LoadAll never returned on these).
        ParseRow{"stray_comma", ",\n", "not_one_document", "1:1", "several YAML documents"},
        ParseRow{"comma_after_a_list", "- a\n,\n", "not_one_document", "2:1", "several"},
        ParseRow{"comma_after_a_tag", "!\xff\xff]\n,", "not_one_document", "2:1", "several"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(DuplicateKeys, ReportsEveryDuplicateInDocumentOrder) {
  const Document document = parse("b:\n  x: 1\n  x: 2\na: 1\na: 2\nc: [{y: 1, y: 2}]\n");
  std::vector<std::string> where;
  for (const Problem& p : document.problems) where.push_back(p.at.to_string());
  EXPECT_EQ(where, (std::vector<std::string>{"3:3", "5:1", "6:12"}));
}

TEST(DuplicateKeys, AnAliasedMappingIsReportedOnce) {
  // parse() refuses aliases; the walk itself still visits an aliased node once.
  const auto problems = duplicate_keys(YAML::Load("base: &b {k: 1, k: 2}\none: *b\ntwo: *b\n"));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].at.to_string(), "1:17");
}

TEST(DuplicateKeys, MessagesQuoteAnExcerptOfLongKeysAndPaths) {
  // Two 1,000-byte keys (YAML's longest plain key is 1,024) above 1,000 duplicates: each
  // message names an excerpt of the path, so the problems stay proportional to the text (the
  // whole path each time would be 2 MB).
  const std::string key(1'000, 'k');
  std::string text = key + ":\n  " + key + ":\n";
  for (int i = 0; i < 1'001; ++i) text += "    d: " + std::to_string(i) + "\n";
  const Document document = parse(text);
  ASSERT_EQ(document.problems.size(), 1'000u);
  std::size_t bytes = 0;
  for (const Problem& p : document.problems) bytes += p.message.size() + p.hint.size();
  EXPECT_LT(bytes, 1'000u * 200);
  // Each key is excerpted, then the path: "kkk...(40)....kkk...(40)...".
  EXPECT_NE(document.problems[0].message.find(std::string(kExcerptBytes, 'k') + "..." + "." +
                                              std::string(kExcerptBytes, 'k') + "..."),
            std::string::npos)
      << document.problems[0].message;
}

TEST(Excerpt, KeepsShortTextAndCutsLongTextAtACharacterBoundary) {
  EXPECT_EQ(excerpt("short"), "short");
  EXPECT_EQ(excerpt(std::string(kExcerptBytes, 'a')), std::string(kExcerptBytes, 'a'));
  EXPECT_EQ(excerpt(std::string(kExcerptBytes + 1, 'a')), std::string(kExcerptBytes, 'a') + "...");
  // A 3-byte character across the cut is dropped whole.
  const std::string text = std::string(kExcerptBytes - 1, 'a') + "\xE2\x82\xAC" + "tail";
  EXPECT_EQ(excerpt(text), std::string(kExcerptBytes - 1, 'a') + "...");
}

TEST(Scan, FindsTheFirstAliasOrSecondDocumentOnlyInTextThatParses) {
  EXPECT_FALSE(first_alias("a: 1\n").has_value());
  EXPECT_FALSE(first_alias("a: &x 1\n").has_value());
  EXPECT_EQ(first_alias("a: &x 1\nb: *x\nc: *x\n")->to_string(), "2:4");
  EXPECT_FALSE(first_alias("a: [1\n").has_value());  // a syntax error: parse() reports it
  // The scan stops at a second document, before an alias in it.
  const Scan two = scan("a: 1\n---\nb: &y 2\nc: *y\n");
  EXPECT_FALSE(two.alias.has_value());
  ASSERT_TRUE(two.second_document.has_value());
  EXPECT_EQ(two.second_document->to_string(), "3:1");
}

TEST(DuplicateKeys, DeepNestingDoesNotExhaustTheStack) {
  // The walk keeps its own stack; yaml-cpp itself bounds the depth it parses.
  std::string text;
  for (int i = 0; i < 400; ++i) text += "[";
  for (int i = 0; i < 400; ++i) text += "]";
  const Document document = parse(text);
  for (const Problem& p : document.problems) EXPECT_NE(p.code, "duplicate_key");
}

TEST(Problem, TextJoinsMessageAndHint) {
  EXPECT_EQ((Problem{"unknown_key", "unknown key 'x' in a", "did you mean 'y'?", {1, 2}}.text()),
            "unknown key 'x' in a; did you mean 'y'?");
  EXPECT_EQ((Problem{"wrong_type", "a must be a mapping", "", {}}.text()), "a must be a mapping");
  EXPECT_EQ((Position{}.to_string()), "");
}

}  // namespace
}  // namespace accord::yaml
