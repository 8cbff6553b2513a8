// The compliance: section of the gateway configuration (docs/operations.md, docs/compliance.md
// §6): where each key lands, and each refusal with its file:line:col.
#include <gtest/gtest.h>

#include <string>

#include "accord/app/config.hpp"

namespace accord::app {
namespace {

const std::string kBase =
    "tls: {ca: ca.pem, cert: s.pem, key: s.key, crl: crl.pem}\n"  // line 1
    "storage: {path: var/spool.db}\n"                             // 2
    "vocabulary: vocabulary.yaml\n"                               // 3
    "agencies: agencies.yaml\n"                                   // 4
    "agreements: agreements\n";                                   // 5

Result<GatewayConfig> parse(const std::string& compliance) {
  return parse_config(kBase + compliance, "/etc/accord", "gateway.yaml");
}

TEST(ComplianceConfig, AbsentMeansNoTracker) {
  auto config = parse("");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_FALSE(config->compliance.enabled);
  EXPECT_FALSE(config->compliance.oversight_feed.enabled);
}

TEST(ComplianceConfig, EveryKeyLands) {
  auto config = parse(
      "compliance:\n"
      "  rules: compliance/victims-code.yaml\n"
      "  calendar: /srv/holidays.yaml\n"
      "  refresh_seconds: 30\n"
      "  oversight_feed: {sender: gateway.london, recipient: oversight.mopac, every: month}\n");
  ASSERT_TRUE(config.ok()) << config.error().message << " at " << config.error().path;
  const auto& c = config->compliance;
  EXPECT_TRUE(c.enabled);
  EXPECT_EQ(c.rules_path, "/etc/accord/compliance/victims-code.yaml");
  EXPECT_EQ(c.calendar_path, "/srv/holidays.yaml");
  EXPECT_EQ(c.refresh_seconds, 30);
  EXPECT_TRUE(c.oversight_feed.enabled);
  EXPECT_EQ(c.oversight_feed.sender, "gateway.london");
  EXPECT_EQ(c.oversight_feed.recipient, "oversight.mopac");
  EXPECT_EQ(c.oversight_feed.every, "month");
}

TEST(ComplianceConfig, DefaultsWithoutTheOptionalKeys) {
  auto config = parse("compliance: {rules: r.yaml, calendar: c.yaml}\n");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->compliance.refresh_seconds, 10);
  EXPECT_FALSE(config->compliance.oversight_feed.enabled);
}

struct Refusal {
  std::string name;
  std::string section;  // from line 6
  std::string where;    // "line:col" after the file name
  std::string message;  // part of it
};

class ComplianceConfigRefusals : public ::testing::TestWithParam<Refusal> {};

TEST_P(ComplianceConfigRefusals, NamesTheNode) {
  const auto& row = GetParam();
  auto config = parse(row.section);
  ASSERT_FALSE(config.ok()) << row.section;
  EXPECT_EQ(config.error().code, "invalid_config");
  EXPECT_EQ(config.error().path, "gateway.yaml:" + row.where) << config.error().message;
  EXPECT_NE(config.error().message.find(row.message), std::string::npos) << config.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ComplianceConfigRefusals,
    ::testing::Values(
        Refusal{"missing_calendar", "compliance:\n  rules: r.yaml\n", "7:3",
                "missing required key 'calendar'"},
        Refusal{"missing_rules", "compliance: {calendar: c.yaml}\n", "6:13",
                "missing required key 'rules'"},
        Refusal{"not_a_mapping", "compliance: yes\n", "6:13", "compliance"},
        Refusal{"unknown_key", "compliance: {rules: r.yaml, calendar: c.yaml, refresh: 5}\n",
                "6:47", "refresh"},
        Refusal{"refresh_zero", "compliance:\n  rules: r\n  calendar: c\n  refresh_seconds: 0\n",
                "9:20", "compliance.refresh_seconds must be greater than 0"},
        Refusal{"empty_rules", "compliance:\n  rules: \"\"\n  calendar: c\n", "7:10",
                "compliance.rules must not be empty"},
        Refusal{"feed_without_recipient",
                "compliance:\n  rules: r\n  calendar: c\n  oversight_feed: {sender: gateway.x}\n",
                "9:19", "missing required key 'recipient'"},
        Refusal{"feed_every_week",
                "compliance:\n  rules: r\n  calendar: c\n  oversight_feed:\n"
                "    sender: gateway.x\n    recipient: oversight.y\n    every: week\n",
                "12:12", "compliance.oversight_feed.every must be month"}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace accord::app
