// Pipeline::submit end to end on a real spool: the records it stores are the documented ones,
// byte for byte; a resent duplicate (or a reused id) is answered by the read-only probe on
// the caller's thread, without planning, sealing or the writer; two racing first sends still
// meet the writer's own dedup check.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "accord/agreements/decision.hpp"
#include "accord/audit/event.hpp"
#include "accord/core/time_format.hpp"
#include "accord/envelope/codec.hpp"
#include "accord/pipeline/content_hash.hpp"
#include "pipeline_fixture.hpp"

namespace accord::pipeline {
namespace {

using namespace accord::pipeline::testing;

// Every audit record in seq order, straight from the file.
std::vector<std::string> stored_records(const std::string& path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT record FROM audit_records ORDER BY seq", -1, &st, nullptr);
  std::vector<std::string> out;
  while (sqlite3_step(st) == SQLITE_ROW) {
    out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

std::vector<spool::Delivery> lease_all(spool::Spool& spool, const std::string& recipient) {
  auto done = std::make_shared<std::promise<Result<std::vector<spool::Delivery>>>>();
  spool.lease({recipient, 100, 30'000, kNow}, [done](auto r) { done->set_value(std::move(r)); });
  auto r = done->get_future().get();
  EXPECT_TRUE(r.ok());
  return r.ok() ? std::move(r).value() : std::vector<spool::Delivery>{};
}

const Accepted& accepted(const SubmitOutcome& o) {
  if (!std::holds_alternative<Accepted>(o)) {
    ADD_FAILURE() << "refused: " << std::get<Refused>(o).error.code << " "
                  << std::get<Refused>(o).error.message;
    std::abort();
  }
  return std::get<Accepted>(o);
}

TEST(Submit, StoresTheDocumentedRecordsByteForByte) {
  World w;
  w.open();
  const std::string body = referral_body();
  const auto& first = w.submit(body);
  const Accepted a = accepted(first);
  EXPECT_FALSE(a.duplicate);
  EXPECT_EQ(a.recipients, std::vector<std::string>{kLvws});
  ASSERT_EQ(a.withheld.size(), 1u);
  EXPECT_EQ(a.withheld[0].recipient, "provider.survivors-uk");
  const auto copies = lease_all(*w.spool, kLvws);
  ASSERT_EQ(copies.size(), 1u);
  w.spool->shutdown();

  // What docs/audit-format.md §1 says a stored submission writes, built here field by field
  // (not by the code under test): decision.inputs, decision.accepted for the copy, then
  // decision.refused.
  audit::Event accepted_event;
  accepted_event.kind = audit::kind::kDecisionAccepted;
  accepted_event.at_ms = kNow;
  accepted_event.message_id = "met-ref-2026-000417";
  accepted_event.sender = kSender;
  accepted_event.recipient = kLvws;
  accepted_event.event_type = "referral.created";
  accepted_event.case_urn = "01MP0041726";
  accepted_event.subject_role = "victim";
  accepted_event.subject_ref = "V-7F3A91C2";
  accepted_event.delivery_id = copies[0].delivery_id;
  accepted_event.content_hash = content_hash(body);
  accepted_event.copy_hash = content_hash(copies[0].payload);
  const auto records = stored_records(w.dir.file("spool.db"));
  ASSERT_GE(records.size(), 3u);
  // The agreement and field actions from the decision itself (the oracle).
  const auto env = envelope::decode(body, w.vocabulary);
  ASSERT_TRUE(env.ok());

  // First, what the decision was made from: every data path present; the headers; the
  // stored state was read (the referral flows are consent_based) and holds nothing yet; the
  // two tested paths, one equal to a literal the agreements name, one equal to none.
  audit::Event inputs_event;
  inputs_event.kind = "decision.inputs";
  inputs_event.at_ms = kNow;
  inputs_event.message_id = accepted_event.message_id;
  inputs_event.sender = kSender;
  inputs_event.event_type = "referral.created";
  inputs_event.case_urn = "01MP0041726";
  inputs_event.subject_role = "victim";
  inputs_event.subject_ref = "V-7F3A91C2";
  for (const auto& f : env.value().data)
    inputs_event.fields.push_back({"data." + f.path, "present"});
  inputs_event.details = {
      {"classification", "OFFICIAL-SENSITIVE"},
      {"case.owner", "police.met"},
      {"state", "read"},
      {"fact.data.consent.referral", "\"explicit\""},
      {"fact.data.offence.category",
       R"({"not":["child_sexual_abuse","rape","sexual_assault","sexual_offence"]})"}};
  EXPECT_EQ(records[0], audit::encode_record(1, inputs_event));
  const agreements::Instant now{std::chrono::seconds(kNow / 1000)};
  const auto decision = agreements::decide(env.value(), kSender, kLvws, w.agreements->set(), now);
  ASSERT_TRUE(decision.allowed);
  accepted_event.agreement =
      decision.agreement_id + "@" + std::to_string(decision.agreement_version);
  for (const auto& f : decision.fields) {
    accepted_event.fields.push_back({f.path, std::string(agreements::to_string(f.action))});
  }
  EXPECT_EQ(records[1], audit::encode_record(2, accepted_event));

  audit::Event refused_event;
  refused_event.kind = audit::kind::kDecisionRefused;
  refused_event.at_ms = kNow;
  refused_event.message_id = accepted_event.message_id;
  refused_event.sender = kSender;
  refused_event.recipient = "provider.survivors-uk";
  refused_event.agreement = a.withheld[0].agreement;
  refused_event.event_type = "referral.created";
  refused_event.case_urn = "01MP0041726";
  refused_event.subject_role = "victim";
  refused_event.subject_ref = "V-7F3A91C2";
  refused_event.content_hash = accepted_event.content_hash;
  refused_event.code = a.withheld[0].code;
  refused_event.reason = a.withheld[0].reason;
  EXPECT_EQ(records[2], audit::encode_record(3, refused_event));
  // Then any decision.shadow, then the submission's compliance.facts (docs/compliance.md
  // §3), then the lease this test took.
  ASSERT_GE(records.size(), 5u);
  for (std::size_t i = 3; i + 2 < records.size(); ++i) {
    EXPECT_EQ(nlohmann::json::parse(records[i])["kind"], "decision.shadow") << records[i];
  }
  audit::Event facts_event;
  facts_event.kind = "compliance.facts";
  facts_event.at_ms = kNow;
  facts_event.message_id = accepted_event.message_id;
  facts_event.sender = kSender;
  facts_event.event_type = "referral.created";
  facts_event.case_urn = "01MP0041726";
  facts_event.subject_role = "victim";
  facts_event.subject_ref = "V-7F3A91C2";
  facts_event.details = {{"occurred_at", "2026-11-20T09:30:00.000Z"}, {"enhanced", "true"}};
  EXPECT_EQ(records[records.size() - 2],
            audit::encode_record(static_cast<std::int64_t>(records.size() - 1), facts_event));
  EXPECT_EQ(nlohmann::json::parse(records.back())["kind"], "delivery.leased");
}

// The kinds of the stored records, in seq order.
std::vector<std::string> stored_kinds(const std::string& path) {
  std::vector<std::string> kinds;
  for (const auto& r : stored_records(path)) kinds.push_back(nlohmann::json::parse(r)["kind"]);
  return kinds;
}

// A victim.informed body from `sender`'s point of view with `data` (a JSON object text).
std::string informed_body(const std::string& id, const std::string& data) {
  return R"({"id":")" + id +
         R"(","type":"victim.informed","case":{"urn":"01MP0041726","owner":"police.met"},)"
         R"("subject":{"role":"victim","ref":"V-7F3A91C2"},"occurred_at":"2026-11-22T08:00:00Z",)"
         R"("classification":"OFFICIAL","data":)" +
         data + "}";
}

// No agreement routes victim.informed from the police to anyone: the gateway records it
// itself (vocabulary `to: [gateway, ...]`), so it is stored with no copy, and its facts are
// its whole trace; a resend is a duplicate like any other.
// The sender's status view (GET /v1/messages/{id}) names the withheld recipients later, with
// the code and reason the 202 answer gave.
TEST(Submit, StoresTheWithheldRecipientsWithTheSubmission) {
  World w;
  w.open();
  const Accepted a = accepted(w.submit(referral_body()));
  ASSERT_EQ(a.withheld.size(), 1u);
  const auto status = w.spool->message_status(kSender, a.message_id, kNow);
  ASSERT_TRUE(status.ok()) << status.error().message;
  ASSERT_TRUE(status.value().has_value());
  EXPECT_EQ(status.value()->withheld,
            (std::vector<spool::WithheldRecipient>{
                {a.withheld[0].recipient, a.withheld[0].code, a.withheld[0].reason}}));
  ASSERT_EQ(status.value()->copies.size(), 1u);
  EXPECT_EQ(status.value()->copies[0].recipient, kLvws);
  w.spool->shutdown();
}

TEST(Submit, AnEventTheGatewayRecordsIsStoredWithoutRecipients) {
  World w;
  w.open();
  const std::string body = informed_body(
      "met-inf-1",
      R"({"informs":{"message_id":"met-ref-2026-000417","event_type":)"
      R"("referral.created"},"channel":"phone","informed_at":"2026-11-22T08:45:00Z"})");
  const Accepted a = accepted(w.submit(body));
  EXPECT_FALSE(a.duplicate);
  EXPECT_TRUE(a.recipients.empty());
  EXPECT_EQ(a.received_at_ms, kNow);
  const Accepted again = accepted(w.submit(body, kNow + 1000));
  EXPECT_TRUE(again.duplicate);
  EXPECT_TRUE(again.recipients.empty());
  EXPECT_EQ(w.spool->stats().appended, 1);
  w.spool->shutdown();
  const auto records = stored_records(w.dir.file("spool.db"));
  ASSERT_EQ(records.size(), 2u) << "only the decision.inputs and compliance.facts records";
  // Decided on its headers: no agreement for the route tests anything, and none reads state.
  EXPECT_NE(records[0].find(R"("kind":"decision.inputs")"), std::string::npos) << records[0];
  EXPECT_NE(records[0].find(R"("details":{"classification":"OFFICIAL","case.owner":)"
                            R"("police.met","state":"not_read"}})"),
            std::string::npos)
      << records[0];
  const auto record = nlohmann::json::parse(records[1]);
  EXPECT_EQ(record["kind"], "compliance.facts");
  EXPECT_EQ(record["sender"], kSender);
  EXPECT_EQ(record["at"], format_time_ms(kNow));
  EXPECT_FALSE(record.contains("content_hash"));
  // The raw bytes: the details in their documented order (a JSON parser would sort them).
  const std::string details =
      R"("details":{"occurred_at":"2026-11-22T08:00:00.000Z","informs_sender":"police.met",)"
      R"("informs_message_id":"met-ref-2026-000417","informs_event_type":"referral.created",)"
      R"("informed_at":"2026-11-22T08:45:00.000Z","channel":"phone"}})";
  EXPECT_NE(records[1].find(details), std::string::npos) << records[1];
}

// A bad fact is refused before any planning, with its code and path, and nothing is stored
// or audited (like a decode error).
struct BadFactRow {
  const char* name;
  std::string data;
  const char* code;
  const char* path;
};

class BadFact : public ::testing::TestWithParam<BadFactRow> {};

TEST_P(BadFact, IsRefusedBeforePlanningAndNothingIsStored) {
  const BadFactRow& row = GetParam();
  World w;
  w.open();
  const auto outcome = w.submit(informed_body("met-inf-2", row.data));
  ASSERT_TRUE(std::holds_alternative<Refused>(outcome));
  EXPECT_EQ(std::get<Refused>(outcome).error.code, row.code);
  EXPECT_EQ(std::get<Refused>(outcome).error.path, row.path);
  EXPECT_EQ(w.policy->calls(), 0);
  EXPECT_EQ(w.spool->stats().appended, 0);
  w.spool->shutdown();
  EXPECT_TRUE(stored_records(w.dir.file("spool.db")).empty());
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadFact,
    ::testing::Values(
        BadFactRow{"no_message_id",
                   R"({"informs":{"event_type":"referral.created"},"channel":"phone",)"
                   R"("informed_at":"2026-11-22T08:45:00Z"})",
                   "missing_field", "data.informs.message_id"},
        BadFactRow{"informed_after_receipt",
                   R"({"informs":{"message_id":"m","event_type":"referral.created"},)"
                   R"("channel":"phone","informed_at":"2026-11-22T09:00:00.001Z"})",
                   "invalid_value", "data.informed_at"},
        BadFactRow{"enhanced_not_boolean",
                   R"({"informs":{"message_id":"m","event_type":"referral.created"},)"
                   R"("channel":"phone","informed_at":"2026-11-22T08:45:00Z",)"
                   R"("enhanced_rights":{"eligible":"yes"}})",
                   "invalid_value", "data.enhanced_rights.eligible"}),
    [](const auto& info) { return std::string(info.param.name); });

struct ResendRow {
  const char* name;
  bool same_content;
  bool duplicate;  // else id_conflict
};

class Resend : public ::testing::TestWithParam<ResendRow> {};

TEST_P(Resend, IsAnsweredByTheProbeWithoutPlanSealOrWriter) {
  const ResendRow& row = GetParam();
  World w;
  w.open();
  const std::string body = referral_body();
  const Accepted first = accepted(w.submit(body));
  const auto before = w.spool->stats();
  const int plans = w.policy->calls();

  std::string resent = body;
  if (!row.same_content) resent.replace(resent.find("07700 900123"), 12, "07700 900999");
  std::atomic<bool> answered{false};
  std::optional<SubmitOutcome> outcome;
  w.pipeline->submit(kSender, resent, kNow + 60'000, [&](SubmitOutcome o) {
    outcome = std::move(o);
    answered = true;
  });
  // Answered before submit() returned: on the caller's thread, never queued for the writer.
  ASSERT_TRUE(answered.load());
  EXPECT_EQ(w.policy->calls(), plans) << "no plan, so no seal either";
  const auto after = w.spool->stats();
  EXPECT_EQ(after.commits, before.commits);
  EXPECT_EQ(after.audit_seq, before.audit_seq);
  EXPECT_EQ(after.appended, before.appended);
  if (row.duplicate) {
    const Accepted& again = accepted(*outcome);
    EXPECT_TRUE(again.duplicate);
    EXPECT_EQ(again.recipients, first.recipients);
    EXPECT_EQ(again.received_at_ms, kNow) << "the first answer is repeated";
    EXPECT_TRUE(again.withheld.empty());
  } else {
    ASSERT_TRUE(std::holds_alternative<Refused>(*outcome));
    EXPECT_EQ(std::get<Refused>(*outcome).error.code, "id_conflict");
  }
}

INSTANTIATE_TEST_SUITE_P(Table, Resend,
                         ::testing::Values(ResendRow{"same_content", true, true},
                                           ResendRow{"other_content", false, false}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Submit, TwoRacingFirstSendsMeetTheWritersOwnCheck) {
  World w;
  // The writer waits at the gate until both sends are past the probe.
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  w.open([&] {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return open; });
  });
  const std::string body = referral_body();
  auto first = std::make_shared<std::promise<SubmitOutcome>>();
  auto second = std::make_shared<std::promise<SubmitOutcome>>();
  w.pipeline->submit(kSender, body, kNow, [first](SubmitOutcome o) { first->set_value(o); });
  w.pipeline->submit(kSender, body, kNow + 5, [second](SubmitOutcome o) { second->set_value(o); });
  EXPECT_EQ(w.policy->calls(), 2) << "neither was committed: both were planned";
  {
    std::lock_guard lock(mu);
    open = true;
  }
  cv.notify_all();
  const Accepted a = accepted(first->get_future().get());
  const Accepted b = accepted(second->get_future().get());
  EXPECT_FALSE(a.duplicate);
  EXPECT_TRUE(b.duplicate);
  EXPECT_EQ(b.received_at_ms, kNow);
  EXPECT_EQ(w.spool->stats().appended, 1);
  w.spool->shutdown();
  // The loser was decided too, but its records went with its duplicate append: one of each.
  const auto kinds = stored_kinds(w.dir.file("spool.db"));
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "decision.inputs"), 1);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "compliance.facts"), 1);
}

TEST(Submit, ARefusalIsAuditedOnceAndStoresNoSubmission) {
  World w;
  w.open();
  // hearing.listed from police.met: no agreement lets the police share it.
  std::string body = referral_body();
  body.replace(body.find("\"referral.created\""), 18, "\"hearing.listed\"");
  const auto outcome = w.submit(body);
  ASSERT_TRUE(std::holds_alternative<Refused>(outcome));
  EXPECT_EQ(std::get<Refused>(outcome).error.code, "not_permitted");
  // Sent again: refused again, and audited again (nothing was stored for the probe to find).
  const auto again = w.submit(body);
  ASSERT_TRUE(std::holds_alternative<Refused>(again));
  EXPECT_EQ(w.spool->stats().appended, 0);
  w.spool->shutdown();
  const auto records = stored_records(w.dir.file("spool.db"));
  std::size_t refused = 0;
  for (const auto& r : records) {
    const auto record = nlohmann::json::parse(r);
    if (record["kind"] != "decision.refused") continue;
    ++refused;
    // No agreement names a recipient: one record for the submission, saying why.
    EXPECT_EQ(record.value("code", ""), "not_permitted") << r;
    EXPECT_NE(record.value("reason", "").find("no active agreement"), std::string::npos) << r;
    EXPECT_FALSE(record.contains("recipient")) << r;
  }
  EXPECT_EQ(refused, 2u);
  EXPECT_EQ(stored_kinds(w.dir.file("spool.db")),
            (std::vector<std::string>{"decision.inputs", "decision.refused", "decision.inputs",
                                      "decision.refused"}))
      << "a refusal has its decision.inputs first and no compliance.facts record";
}

// The decision observer (the flow counters) hears each durable decision once: the copy and the
// withheld recipient of a stored submission with their agreements, nothing for a duplicate,
// and a refusal that named no recipient as recipient "-" under agreement "-".
TEST(Submit, TheObserverHearsEachDurableDecisionOnce) {
  World w;
  w.open();
  std::mutex mu;
  std::vector<std::string> heard;  // "sender recipient agreement shared|refused"
  w.pipeline->set_decision_observer(
      [&](const std::string& sender, const std::vector<DecidedFlow>& flows) {
        std::lock_guard lock(mu);
        for (const auto& f : flows) {
          heard.push_back(sender + " " + f.recipient + " " + f.agreement + " " +
                          (f.shared ? "shared" : "refused"));
        }
      });
  const std::string body = referral_body();
  const Accepted a = accepted(w.submit(body));
  ASSERT_EQ(a.withheld.size(), 1u);
  ASSERT_FALSE(a.withheld[0].agreement.empty());
  {
    std::lock_guard lock(mu);
    ASSERT_EQ(heard.size(), 2u);
    EXPECT_EQ(heard[0].rfind(std::string(kSender) + " " + kLvws + " met-lvws-referral@", 0), 0u)
        << heard[0];
    EXPECT_EQ(heard[0].substr(heard[0].size() - 7), " shared");
    EXPECT_EQ(heard[1], std::string(kSender) + " provider.survivors-uk " + a.withheld[0].agreement +
                            " refused");
  }
  EXPECT_TRUE(accepted(w.submit(body)).duplicate);
  std::string refused = referral_body();
  refused.replace(refused.find("\"referral.created\""), 18, "\"hearing.listed\"");
  const auto outcome = w.submit(with_id(refused, "observer-refused-1"));
  ASSERT_TRUE(std::holds_alternative<Refused>(outcome));
  EXPECT_EQ(std::get<Refused>(outcome).error.code, "not_permitted");
  w.spool->shutdown();
  std::lock_guard lock(mu);
  ASSERT_EQ(heard.size(), 3u) << "a duplicate is not counted again";
  EXPECT_EQ(heard[2], std::string(kSender) + " - - refused");
}

// The literals a decision.inputs record may keep are those of the policy's own set, built
// with the policy (once per loaded set), not per message.
TEST(Submit, ConditionLiteralsAreThePolicysSetsBuiltOnce) {
  World w;
  const auto& literals = w.agreements->condition_literals();
  EXPECT_EQ(&literals, &w.agreements->condition_literals());
  EXPECT_EQ(literals.by_path(), agreements::ConditionLiterals::of(w.agreements->set()).by_path());
  ASSERT_EQ(literals.by_path().count("data.consent.referral"), 1u);
  EXPECT_EQ(literals.by_path().find("data.consent.referral")->second,
            (std::vector<std::string>{"\"explicit\"", "\"opt_out_not_exercised\""}));
  EXPECT_EQ(&w.policy->condition_literals(), &literals);  // the wrapper forwards
}

}  // namespace
}  // namespace accord::pipeline

namespace accord::pipeline {
namespace {

using namespace accord::pipeline::testing;

// adapters.<agency>.status_callbacks (docs/receipts.md "Status notices"): a sender named in
// set_status_callbacks has its submissions stored with status_callback, so acknowledging every
// copy makes one notice row; any other sender's make none.
TEST(Submit, StatusCallbackIsStoredForTheSendersThatAskedForIt) {
  for (const bool asked : {true, false}) {
    World w;
    w.open();
    if (asked) w.pipeline->set_status_callbacks({kSender});
    const Accepted a = accepted(w.submit(referral_body()));
    const auto copies = lease_all(*w.spool, kLvws);
    ASSERT_EQ(copies.size(), 1u);
    std::promise<Result<spool::AckOutcome>> acked;
    w.spool->ack({kLvws, copies[0].delivery_id, kNow + 1},
                 [&acked](Result<spool::AckOutcome> r) { acked.set_value(std::move(r)); });
    ASSERT_TRUE(acked.get_future().get().ok());
    const auto pending = w.spool->pending_status_notices(10);
    ASSERT_TRUE(pending.ok()) << pending.error().message;
    ASSERT_EQ(pending->size(), asked ? 1u : 0u) << "asked: " << asked;
    if (asked) {
      EXPECT_EQ(pending->front().sender, kSender);
      EXPECT_EQ(pending->front().message_id, a.message_id);
      EXPECT_EQ(pending->front().outcome, "acknowledged");
    }
    w.spool->shutdown();
  }
}

}  // namespace
}  // namespace accord::pipeline
