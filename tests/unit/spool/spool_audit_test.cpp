// The audit log inside the spool, on each backend: which records each operation writes, in
// the same transaction (a rolled-back batch leaves none and the chain continues unbroken), signed
// checkpoints at the cadence and on shutdown, and a chain that verifies across reopens.
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "accord/audit/verifier.hpp"
#include "accord/crypto/signature.hpp"
#include "spool_backends.hpp"
#include "spool_test_support.hpp"

namespace accord::spool {
namespace {

using namespace accord::spool::testing;

audit::Event event(std::string kind, std::int64_t at_ms) {
  audit::Event e;
  e.kind = std::move(kind);
  e.at_ms = at_ms;
  return e;
}

struct SpoolAudit : BackendTest {
  TempDir dir;  // the signing key
  std::atomic<std::int64_t> clock{1'000'000};
  std::optional<crypto::GatewaySigner> signer;

  void SetUp() override {
    BackendTest::SetUp();
    if (HasFatalFailure()) return;
    auto s = crypto::GatewaySigner::load_or_create(dir.file("signing.key"), 1);
    ASSERT_TRUE(s.ok()) << s.error().message;
    signer.emplace(std::move(s.value()));
  }
  BackendOptions options(std::int64_t every_records = 1000) {
    BackendOptions o;
    o.audit.sign = [this](std::string_view bytes) { return signer->sign(bytes); };
    o.audit.now_ms = [this] { return clock.load(); };
    o.audit.checkpoint_every_records = every_records;
    o.audit.checkpoint_every_ms = 3'600'000;
    return o;
  }
  // Every record's JSON, in seq order.
  std::vector<nlohmann::json> records() {
    std::vector<nlohmann::json> out;
    for (const auto& row : backend->audit_rows()) out.push_back(nlohmann::json::parse(row.record));
    return out;
  }
  std::vector<std::string> kinds() {
    std::vector<std::string> out;
    for (const auto& r : records()) out.push_back(r["kind"]);
    return out;
  }
  // Runs the offline verifier over the records, checkpoints interleaved.
  audit::VerifyReport verify(audit::VerifyOptions vo = {}) {
    audit::Verifier v(signer->public_key(), vo);
    for (const auto& row : backend->audit_rows()) {
      v.add_record(row.record, &row.chain);
      if (row.checkpoint) {
        auto cp = audit::parse_checkpoint(*row.checkpoint);
        EXPECT_TRUE(cp.ok());
        if (cp.ok()) v.add_checkpoint(cp.value());
      }
    }
    return v.finish();
  }
};

// A submission with the records the pipeline composes for it: a decision per copy (with the
// copy's delivery id), then a refusal. The spool writes them as given.
Submission referral() {
  auto s = make_submission("m1", {"cps", "provider.lvws"});
  s.subject_ref = "V-1";
  s.copies[0].payload = R"({"envelope":{"data":{"victim":{"phone":"07700 900123"}}}})";
  audit::Event accepted;
  accepted.kind = audit::kind::kDecisionAccepted;
  accepted.at_ms = s.received_at_ms;
  accepted.message_id = s.message_id;
  accepted.sender = s.sender;
  accepted.subject_role = "victim";
  accepted.subject_ref = s.subject_ref;
  accepted.recipient = "cps";
  accepted.agreement = "isa-1@2";
  accepted.copy_hash = std::string(64, 'c');
  accepted.fields = {{"victim.dob", "generalise"}, {"victim.phone", "encrypt"}};
  accepted.delivery_id = 99;  // ignored: the hook below says whose id it carries
  audit::Event second = accepted;
  second.recipient = "provider.lvws";
  second.agreement = "isa-2@1";
  second.fields = {{"victim.dob", "drop"}};
  audit::Event refused = accepted;
  refused.kind = audit::kind::kDecisionRefused;
  refused.recipient = "probation";
  refused.agreement.clear();
  refused.copy_hash.clear();
  refused.fields.clear();
  refused.delivery_id = 0;
  refused.code = "not_permitted";
  refused.reason = "condition consent failed";
  s.records = {{accepted, 0}, {second, 1}, {refused, std::nullopt}};
  return s;
}

TEST_P(SpoolAudit, AppendWritesTheGivenRecordsInOrderWithTheirCopiesDeliveryIds) {
  auto spool = open(options());
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(append_sync(*spool, referral()).ok());
  spool.reset();
  const auto r = records();
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0]["seq"], 1);
  EXPECT_EQ(r[0]["kind"], "decision.accepted");
  EXPECT_EQ(r[0]["recipient"], "cps");
  EXPECT_EQ(r[0]["agreement"], "isa-1@2");
  EXPECT_EQ(r[0]["subject_ref"], "V-1");
  EXPECT_EQ(r[0]["fields"],
            nlohmann::json::parse(R"([["victim.dob","generalise"],["victim.phone","encrypt"]])"));
  EXPECT_EQ(r[0]["copy_hash"].get<std::string>().size(), 64u);
  EXPECT_EQ(r[0]["delivery_id"], 1);
  EXPECT_EQ(r[1]["recipient"], "provider.lvws");
  EXPECT_EQ(r[1]["delivery_id"], 2);
  EXPECT_EQ(r[2]["kind"], "decision.refused");
  EXPECT_EQ(r[2]["recipient"], "probation");
  EXPECT_EQ(r[2]["code"], "not_permitted");
  EXPECT_FALSE(r[2].contains("delivery_id"));
  EXPECT_EQ(backend->inspect("SELECT count(*) FROM audit_records WHERE record LIKE '%07700%'"),
            "0");
  EXPECT_EQ(backend->inspect("SELECT agreement FROM audit_records ORDER BY seq"),
            "isa-1@2\nisa-2@1\nNULL");
  EXPECT_TRUE(verify().ok());
}

TEST_P(SpoolAudit, ADuplicateAppendWritesNoneOfItsRecords) {
  auto spool = open(options());
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(append_sync(*spool, referral()).ok());
  const auto again = append_sync(*spool, referral());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->outcome, AppendOutcome::duplicate);
  spool.reset();
  EXPECT_EQ(records().size(), 3u);
}

TEST_P(SpoolAudit, EveryDeliveryStateChangeIsRecordedInOrder) {
  auto spool = open(options());
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(append_sync(*spool, make_submission("m1", {"cps"})).ok());
  auto first = lease_sync(*spool, LeaseRequest{"cps", 1, 100, 1000});
  ASSERT_TRUE(first.ok() && first->size() == 1);
  const auto id = first->front().delivery_id;
  ASSERT_TRUE(
      status_sync(*spool, &Spool::release, ReleaseRequest{"cps", id, 2000, "HTTP 503", 1001}).ok());
  ASSERT_TRUE(lease_sync(*spool, LeaseRequest{"cps", 1, 100, 2000}).ok());
  ASSERT_TRUE(status_sync(*spool, &Spool::dead_letter,
                          DeadLetterRequest{"cps", id, "permanent_failure", "HTTP 400", 2001})
                  .ok());
  Completion<Result<std::int64_t>> redriven;
  spool->redrive({"cps", id, "admin", 3000}, redriven.handler());
  ASSERT_TRUE(redriven.get().ok());
  ASSERT_TRUE(lease_sync(*spool, LeaseRequest{"cps", 1, 100, 3000}).ok());
  ASSERT_TRUE(ack_sync(*spool, {"cps", id, 3001}).ok());
  ASSERT_TRUE(ack_sync(*spool, {"cps", id, 3002}).ok());  // already acked: no record
  spool.reset();
  EXPECT_EQ(kinds(), (std::vector<std::string>{"decision.accepted", "delivery.leased",
                                               "delivery.retry_scheduled", "delivery.redelivered",
                                               "delivery.dead_lettered", "delivery.redriven",
                                               "delivery.leased", "delivery.acked"}));
  const auto r = records();
  EXPECT_EQ(r[2]["details"]["next_attempt_at"], "1970-01-01T00:00:02.000Z");
  EXPECT_EQ(r[2]["reason"], "HTTP 503");
  EXPECT_EQ(r[3]["attempt"], 2);
  EXPECT_EQ(r[4]["code"], "permanent_failure");
  EXPECT_EQ(r[5]["details"]["actor"], "admin");
  for (const auto& rec : r) EXPECT_EQ(rec["case_urn"], "urn:accord:case:m1");
  EXPECT_TRUE(verify().ok());
}

TEST_P(SpoolAudit, AReturnedLeaseIsRecordedAsReturned) {
  auto spool = open(options());
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(append_sync(*spool, make_submission("m1", {"cps"})).ok());
  auto leased = lease_sync(*spool, LeaseRequest{"cps", 1, 100, 1000});
  ASSERT_TRUE(leased.ok() && leased->size() == 1);
  ReleaseRequest back{"cps", leased->front().delivery_id, 0, "stopping", 1001};
  back.returned = true;
  ASSERT_TRUE(status_sync(*spool, &Spool::release, back).ok());
  spool.reset();
  EXPECT_EQ(kinds(), (std::vector<std::string>{"decision.accepted", "delivery.leased",
                                               "delivery.returned"}));
  EXPECT_TRUE(verify().ok());
}

TEST_P(SpoolAudit, CheckpointsAtTheRecordCadenceAndOnShutdownVerify) {
  auto spool = open(options(/*every_records=*/3));
  ASSERT_NE(spool, nullptr);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(append_sync(*spool, make_submission("m" + std::to_string(i), {"cps"})).ok());
  }
  EXPECT_EQ(spool->stats().audit_seq, 4);
  EXPECT_EQ(spool->stats().audit_sealed_seq, 3);
  spool.reset();  // clean shutdown seals the tail
  EXPECT_EQ(backend->inspect("SELECT seq FROM audit_checkpoints ORDER BY seq"), "3\n4");
  audit::VerifyOptions sealed;
  sealed.require_sealed = true;
  const auto report = verify(sealed);
  ASSERT_TRUE(report.ok()) << report.failure->message;
  EXPECT_EQ(report.checkpoints, 2);
  EXPECT_EQ(report.sealed_seq, 4);
}

TEST_P(SpoolAudit, CheckpointOnDemandAndByTime) {
  auto spool = open(options());
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(record_sync(*spool, {event("admin.gateway_started", 5)}).ok());
  Completion<Status> forced;
  spool->checkpoint(clock.load(), forced.handler());
  ASSERT_TRUE(forced.get().ok());
  EXPECT_EQ(spool->stats().audit_sealed_seq, 1);
  // Nothing new: a second checkpoint writes nothing.
  Completion<Status> again;
  spool->checkpoint(clock.load(), again.handler());
  ASSERT_TRUE(again.get().ok());
  ASSERT_TRUE(record_sync(*spool, {event("admin.key_registered", 6)}).ok());
  clock += 3'600'000;  // the interval passes: the writer seals without new work
  for (int i = 0; i < 500 && spool->stats().audit_sealed_seq != 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    // The writer waits up to checkpoint_every_ms; poke it with a no-op so the test is quick.
    ASSERT_TRUE(record_sync(*spool, {}).ok());
  }
  EXPECT_EQ(spool->stats().audit_sealed_seq, 2);
}

TEST_P(SpoolAudit, RolledBackBatchLeavesNoRecordsAndTheChainContinues) {
  auto spool = open(options());
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(append_sync(*spool, make_submission("m0", {"cps"})).ok());
  backend->refuse_payloads_over(*spool, 1024);
  // A big payload cannot be stored: the batch rolls back, and its records with it.
  auto big = make_submission("m1", {"cps"});
  big.copies[0].payload.assign(64 * 1024, 'x');
  auto refused = append_sync(*spool, big);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "storage_unavailable");
  EXPECT_EQ(spool->stats().audit_seq, 1);
  backend->refuse_payloads_over(*spool, std::nullopt);
  ASSERT_TRUE(append_sync(*spool, make_submission("m2", {"cps"})).ok());
  spool.reset();
  EXPECT_EQ(backend->inspect("SELECT seq, message_id FROM audit_records ORDER BY seq"),
            "1|m0\n2|m2");
  EXPECT_TRUE(verify().ok());
}

TEST_P(SpoolAudit, ReopenContinuesTheChain) {
  for (int round = 0; round < 3; ++round) {
    auto spool = open(options());
    ASSERT_NE(spool, nullptr);
    ASSERT_TRUE(append_sync(*spool, make_submission("m" + std::to_string(round), {"cps"})).ok());
  }
  EXPECT_EQ(kinds().size(), 3u);
  const auto report = verify();
  ASSERT_TRUE(report.ok()) << report.failure->message;
  EXPECT_EQ(report.last_seq, 3);
}

TEST_P(SpoolAudit, DisabledAuditWritesNothing) {
  auto o = options();
  o.audit.enabled = false;
  auto spool = open(o);
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(append_sync(*spool, referral()).ok());
  ASSERT_TRUE(record_sync(*spool, {event("admin.gateway_started", 1)}).ok());
  spool.reset();
  EXPECT_TRUE(records().empty());
}

ACCORD_SPOOL_BACKENDS(SpoolAudit);

}  // namespace
}  // namespace accord::spool
