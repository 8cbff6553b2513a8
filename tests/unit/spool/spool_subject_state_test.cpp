// The subject-state ledger (spool.hpp SubjectFact, Spool::subject_state; docs/storage.md
// "Subject state"), on every backend: upserted in the append's transaction, the latest receipt
// winning, read back on the caller's thread.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "spool_backends.hpp"
#include "spool_test_support.hpp"

namespace accord::spool::testing {
namespace {

class SpoolSubjectState : public BackendTest {};

Submission about(std::string id, std::string subject, std::int64_t at_ms,
                 std::vector<SubjectFact> facts, std::vector<std::string> recipients = {"cps"},
                 std::string hash = "h1") {
  Submission s = make_submission(std::move(id), recipients, "police", std::move(hash), at_ms);
  s.subject_ref = std::move(subject);
  s.subject_facts = std::move(facts);
  return s;
}

std::vector<SubjectStateRow> state_of(const Spool& spool, const std::string& subject) {
  auto rows = spool.subject_state(subject);
  EXPECT_TRUE(rows.ok()) << rows.error().message;
  return rows.ok() ? *rows : std::vector<SubjectStateRow>{};
}

TEST_P(SpoolSubjectState, UnknownSubjectHasNoRows) {
  auto spool = open();
  ASSERT_NE(spool, nullptr);
  EXPECT_TRUE(state_of(*spool, "subj-none").empty());
}

TEST_P(SpoolSubjectState, UpsertKeepsTheLatestReceipt) {
  auto spool = open();
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(append_sync(*spool, about("m1", "s1", 1000,
                                        {{"police", "consent", "given"},
                                         {"cps", "holds", "agr@1"},
                                         {"cps", "holds.consent_based", "agr@1"}}))
                  .ok());
  ASSERT_TRUE(
      append_sync(*spool, about("m2", "s1", 2000, {{"police", "consent", "withdrawn"}})).ok());
  // Received earlier (another gateway's clock), committed later: it does not win.
  ASSERT_TRUE(append_sync(*spool, about("m0", "s1", 1500, {{"police", "consent", "given"}})).ok());
  // Another subject is a ledger of its own.
  ASSERT_TRUE(append_sync(*spool, about("m3", "s2", 3000, {{"police", "consent", "given"}})).ok());
  const std::vector<SubjectStateRow> want = {
      {"cps", "holds", "agr@1", 1000, "police", "m1"},
      {"cps", "holds.consent_based", "agr@1", 1000, "police", "m1"},
      {"police", "consent", "withdrawn", 2000, "police", "m2"},
  };
  EXPECT_EQ(state_of(*spool, "s1"), want);
  const std::vector<SubjectStateRow> other = {{"police", "consent", "given", 3000, "police", "m3"}};
  EXPECT_EQ(state_of(*spool, "s2"), other);
}

TEST_P(SpoolSubjectState, TheSameKeyTwiceInOneSubmissionKeepsTheLast) {
  auto spool = open();
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(append_sync(*spool, about("m1", "s1", 1000,
                                        {{"police", "consent", "given"},
                                         {"police", "consent", "withdrawn"}}))
                  .ok());
  const std::vector<SubjectStateRow> want = {
      {"police", "consent", "withdrawn", 1000, "police", "m1"}};
  EXPECT_EQ(state_of(*spool, "s1"), want);
}

TEST_P(SpoolSubjectState, OneBatchKeepsTheLatestOfEachKey) {
  WriterHold hold;
  BackendOptions opts;
  opts.before_batch = hold.hook();
  auto spool = open(opts);
  ASSERT_NE(spool, nullptr);
  Completion<Result<AppendResult>> a, b, c;
  {
    WriterGate gate(*spool, hold);  // the three appends below queue up as one batch
    spool->append(about("m1", "s1", 1000, {{"police", "consent", "given"}}), a.handler());
    spool->append(about("m2", "s1", 3000, {{"police", "consent", "withdrawn"}}), b.handler());
    spool->append(about("m3", "s1", 2000, {{"police", "consent", "given"}}), c.handler());
  }
  ASSERT_TRUE(a.get().ok());
  ASSERT_TRUE(b.get().ok());
  ASSERT_TRUE(c.get().ok());
  const std::vector<SubjectStateRow> want = {
      {"police", "consent", "withdrawn", 3000, "police", "m2"}};
  EXPECT_EQ(state_of(*spool, "s1"), want);
}

TEST_P(SpoolSubjectState, SurvivesReopen) {
  {
    auto spool = open();
    ASSERT_NE(spool, nullptr);
    ASSERT_TRUE(append_sync(*spool, about("m1", "s1", 1000, {{"police", "contact.channel", "email"}}))
                    .ok());
  }
  auto spool = open();
  ASSERT_NE(spool, nullptr);
  const std::vector<SubjectStateRow> want = {
      {"police", "contact.channel", "email", 1000, "police", "m1"}};
  EXPECT_EQ(state_of(*spool, "s1"), want);
  EXPECT_EQ(backend->inspect("SELECT subject_ref, agency, name, value FROM subject_state"),
            "s1|police|contact.channel|email");
}

TEST_P(SpoolSubjectState, DuplicatesAndConflictsWriteNothing) {
  auto spool = open();
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(append_sync(*spool, about("m1", "s1", 1000, {{"police", "consent", "given"}})).ok());
  auto dup = append_sync(*spool, about("m1", "s1", 5000, {{"police", "consent", "withdrawn"}}));
  ASSERT_TRUE(dup.ok());
  EXPECT_EQ(dup->outcome, AppendOutcome::duplicate);
  auto conflict = append_sync(
      *spool, about("m1", "s1", 6000, {{"police", "consent", "withdrawn"}}, {"cps"}, "other"));
  ASSERT_TRUE(conflict.ok());
  EXPECT_EQ(conflict->outcome, AppendOutcome::conflict);
  const std::vector<SubjectStateRow> want = {{"police", "consent", "given", 1000, "police", "m1"}};
  EXPECT_EQ(state_of(*spool, "s1"), want);
}

TEST_P(SpoolSubjectState, AFailedBatchWritesNoRow) {
  auto spool = open();
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(append_sync(*spool, about("m0", "s1", 1000, {{"police", "consent", "given"}})).ok());
  backend->refuse_payloads_over(*spool, 1024);
  auto big = about("m1", "s1", 2000, {{"police", "consent", "withdrawn"}});
  big.copies[0].payload.assign(64 * 1024, 'x');
  auto refused = append_sync(*spool, big);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "storage_unavailable");
  backend->refuse_payloads_over(*spool, std::nullopt);
  const std::vector<SubjectStateRow> want = {{"police", "consent", "given", 1000, "police", "m0"}};
  EXPECT_EQ(state_of(*spool, "s1"), want);
}

TEST_P(SpoolSubjectState, NoSubjectRefWritesNothing) {
  auto spool = open();
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(append_sync(*spool, about("m1", "", 1000, {{"police", "consent", "given"}})).ok());
  EXPECT_EQ(backend->inspect("SELECT count(*) FROM subject_state"), "0");
}

}  // namespace

ACCORD_SPOOL_BACKENDS(SpoolSubjectState);

}  // namespace accord::spool::testing
