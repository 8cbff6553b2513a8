// Issue 19: an agreement file of a few kilobytes must be refused in bounded memory and time.
// The loader used to walk every copy an alias stands for (3.5 KB of aliases to lists of
// aliases: 12 million condition values, 1 GB and minutes under ASan), and its messages quoted
// whole values once per item (a long flow name once per recipient). Work is measured here by
// what the loader produces (diagnostics and their bytes), never by time.
#include <gtest/gtest.h>

#include <string>

#include "accord/agreements/loader.hpp"
#include "fixtures.hpp"

namespace accord::agreements {
namespace {

using testing::base_yaml;
using testing::replace;

std::size_t message_bytes(const LoadResult& r) {
  std::size_t bytes = 0;
  for (const Diagnostic& d : r.diagnostics) bytes += d.message.size() + d.hint.size();
  return bytes;
}

TEST(LoaderLimits, TheFuzzersAliasAmplificationIsRefusedAtTheFirstAlias) {
  // The regression input kept in the fuzz corpus: 200 flows x 200 conditions x 300 values.
  const std::string text = testing::read_file(
      testing::source_dir() + "/tests/fuzz/agreements/corpus/oom-alias-amplification.yaml");
  ASSERT_LT(text.size(), 4096u);
  const LoadResult r = parse(text, "amplified.yaml");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].code, "yaml_alias");
  EXPECT_EQ(r.diagnostics[0].pos, testing::pos_of(text, "*c"));  // the first alias
}

TEST(LoaderLimits, ATopLevelCommaIsASecondDocumentNotAnEndlessLoop) {
  // The fuzzer's 12-byte timeout: yaml-cpp 0.7 answers an empty document at a top-level `,`
  // forever without consuming it (YAML::LoadAll never returned, growing all the while).
  const std::string text = testing::read_file(
      testing::source_dir() + "/tests/fuzz/agreements/corpus/timeout-top-level-comma.yaml");
  for (const std::string& input : {text, std::string(",\n"), base_yaml() + ",\n"}) {
    const LoadResult r = parse(input, "comma.yaml");
    ASSERT_FALSE(r.ok());
    ASSERT_FALSE(r.diagnostics.empty());
    EXPECT_TRUE(r.diagnostics[0].code == "not_one_document" ||
                r.diagnostics[0].code == "yaml_syntax")
        << r.diagnostics[0].to_string();
  }
  EXPECT_EQ(parse(",\n", "comma.yaml").diagnostics[0].code, "not_one_document");
}

TEST(LoaderLimits, AnyAliasIsRefusedEvenWhereItWouldBeHarmless) {
  const std::string text =
      replace(base_yaml(), "recipients: [", "recipients: &r [") + "special_category: *r\n";
  const LoadResult r = parse(text, "alias.yaml");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].code, "yaml_alias");
  EXPECT_EQ(r.diagnostics[0].pos, testing::pos_of(text, "*r"));
  EXPECT_FALSE(r.diagnostics[0].hint.empty());
}

TEST(LoaderLimits, AnAnchorAloneRepeatsNothingAndLoads) {
  const LoadResult r =
      parse(replace(base_yaml(), "recipients: [", "recipients: &r ["), "anchor.yaml");
  EXPECT_TRUE(r.ok()) << (r.diagnostics.empty() ? "" : r.diagnostics[0].to_string());
}

TEST(LoaderLimits, MessagesQuoteAnExcerptSoTheyDoNotMultiplyTheFile) {
  // One flow with a 20,000-byte name sending to 2,000 recipients not listed: every recipient
  // is reported, but each message quotes at most 40 bytes of the name.
  const std::string name(20'000, 'n');
  std::string to;
  for (int i = 0; i < 2'000; ++i) to += (i ? ", r" : "r") + std::to_string(i);
  const std::string text =
      testing::with_flows("  - name: " + name + "\n    events: [referral.created]\n    to: [" + to +
                          "]\n    fields:\n      data.offence.category: share\n");
  ASSERT_LT(text.size(), 64u * 1024);
  const LoadResult r = parse(text, "names.yaml");
  ASSERT_FALSE(r.ok());
  std::size_t unlisted = 0;
  for (const Diagnostic& d : r.diagnostics) unlisted += d.code == "recipient_not_listed";
  EXPECT_EQ(unlisted, 2'000u);
  // Quoting the whole name each time would be 40 MB; an excerpt keeps it near the file's size.
  EXPECT_LT(message_bytes(r), 2'000u * 300);
}

TEST(LoaderLimits, ManyFieldsInOneFlowAreCheckedOnceEach) {
  // 20,000 distinct paths and one repeated: exactly one finding, at the repetition.
  std::string fields;
  for (int i = 0; i < 20'000; ++i) fields += "      data.f" + std::to_string(i) + ": share\n";
  fields += "      data.f7: drop\n";
  const std::string text =
      testing::with_flows("  - name: wide\n    events: [referral.created]\n    fields:\n" + fields);
  const LoadResult r = parse(text, "wide.yaml");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1u) << r.diagnostics[0].to_string();
  EXPECT_EQ(r.diagnostics[0].code, "contradictory_field_action");
  EXPECT_EQ(r.diagnostics[0].pos, testing::pos_of(text, "data.f7: drop"));
}

TEST(LoaderLimits, AnExcerptNeverSplitsAUtf8Character) {
  // 39 ASCII bytes then a 2-byte character: the cut falls inside it and backs up.
  const std::string id = std::string(39, 'a') + "\xC3\xA9" + std::string(10, 'b');
  const LoadResult r = parse(replace(base_yaml(), "id: test-agreement", "id: " + id), "id.yaml");
  ASSERT_FALSE(r.ok());
  ASSERT_FALSE(r.diagnostics.empty());
  const std::string& message = r.diagnostics[0].message;
  EXPECT_NE(message.find(std::string(39, 'a') + "..."), std::string::npos) << message;
  EXPECT_EQ(message.find('\xC3'), std::string::npos) << message;
}

}  // namespace
}  // namespace accord::agreements
