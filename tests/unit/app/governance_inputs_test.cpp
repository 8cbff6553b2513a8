// What the gateway reads and writes for governance, without a gateway (docs/operations.md,
// "Governing agreements"): statement files found and parsed (or refused as malformed, never a
// reason to fail), the refusal record of a malformed file, a lifecycle event as its audit
// record (1:1), and the held-version lines of the reload answer.
#include "accord/app/governance_inputs.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "accord/testing/temp_dir.hpp"

namespace accord::app {
namespace {

using testing::TempDir;

void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

struct NameRow {
  std::string source;
  std::string agreement;  // what the refusal record names
};

TEST(GovernanceInputs, AMalformedStatementIsNamedByItsFileName) {
  const std::vector<NameRow> rows = {
      {"met-lvws-referral.v2.police.met.sig.json", "met-lvws-referral@2"},
      {"met-lvws-referral.v12.provider.lvws.suspend.json", "met-lvws-referral@12"},
      {"broken.sig.json", ""},
      {"x.vtwo.police.met.sig.json", ""},
      {"x.v.police.met.sig.json", ""},
      {"api", ""},
  };
  for (const auto& row : rows) {
    const auto event = malformed_event({row.source, "signature", "not valid JSON"});
    EXPECT_EQ(event.kind, "agreement.signature_refused") << row.source;
    EXPECT_EQ(event.agreement, row.agreement) << row.source;
    EXPECT_EQ(event.code, "malformed_statement");
    EXPECT_NE(event.reason.find("not valid JSON"), std::string::npos);
    const std::vector<std::pair<std::string, std::string>> details = {{"statement", "signature"},
                                                                      {"content_hash", ""},
                                                                      {"agency", ""},
                                                                      {"kid", ""},
                                                                      {"source", row.source}};
    EXPECT_EQ(event.details, details) << row.source;
  }
}

TEST(GovernanceInputs, AnEventIsItsAuditRecordOneToOne) {
  governance::LifecycleEvent event;
  event.kind = "agreement.suspended";
  event.agreement = "met-lvws-referral@1";
  event.code = "";
  event.reason = "breach under investigation";
  event.details = {{"content_hash", "sha256:00"}, {"agency", "provider.lvws"}};
  const audit::Event record = to_audit_event(event, 1234);
  EXPECT_EQ(record.kind, event.kind);
  EXPECT_EQ(record.at_ms, 1234);
  EXPECT_EQ(record.agreement, event.agreement);
  EXPECT_EQ(record.code, event.code);
  EXPECT_EQ(record.reason, event.reason);
  EXPECT_EQ(record.details, event.details);
  EXPECT_TRUE(record.message_id.empty() && record.sender.empty() && record.recipient.empty());
}

TEST(GovernanceInputs, HeldVersionsSayWhy) {
  governance::Evaluation evaluation;
  governance::Governed active;
  active.agreement = "met-wcu-victim-updates";
  active.version = 1;
  active.state = governance::State::active;
  governance::Governed held;
  held.agreement = "met-lvws-referral";
  held.version = 2;
  held.state = governance::State::awaiting_signatures;
  held.reason = "awaiting signatures from provider.lvws";
  evaluation.versions = {active, held};
  EXPECT_EQ(
      held_versions(evaluation),
      std::vector<std::string>{"met-lvws-referral v2: awaiting signatures from provider.lvws"});
}

TEST(GovernanceInputs, StatementFilesAreReadSortedAndMalformedOnesSetAside) {
  TempDir dir;
  auto secret = governance::generate_signing_key("police.met", "", 1'767'225'600'000);
  ASSERT_TRUE(secret.ok());
  governance::Statement statement;
  statement.agreement = "met-lvws-referral";
  statement.version = 1;
  statement.content_hash = governance::content_hash("id: met-lvws-referral\n");
  statement.signed_at = "2026-03-01T00:00:00.000Z";
  statement = governance::sign(statement, secret.value());
  write(dir.file("b.sig.json"), governance::to_json(statement));
  write(dir.file("a.sig.json"), governance::to_json(statement));
  write(dir.file("c.suspend.json"), "{not json");
  write(dir.file("notes.txt"), "not a statement file: ignored");
  write(dir.file("d.sign.pub.json"), "a key, not a statement: ignored");

  auto read = read_statement_files(dir.path());
  ASSERT_TRUE(read.ok()) << read.error().message;
  ASSERT_EQ(read->statements.size(), 2u);
  EXPECT_EQ(read->statements[0].source, "a.sig.json");
  EXPECT_EQ(read->statements[1].source, "b.sig.json");
  EXPECT_EQ(read->statements[0].sig, statement.sig);
  ASSERT_EQ(read->malformed.size(), 1u);
  EXPECT_EQ(read->malformed[0].source, "c.suspend.json");
  EXPECT_EQ(read->malformed[0].statement, "suspension");
  ASSERT_EQ(read->texts.size(), 3u);  // every statement file, for the set hash
  EXPECT_EQ(read->texts[2].first, "c.suspend.json");

  const auto missing = read_statement_files(dir.file("nowhere"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "io");
}

}  // namespace
}  // namespace accord::app
