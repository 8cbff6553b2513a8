// Table-driven behaviour of the spool contract (spool.hpp): each row is a script of operations
// against a fresh store of each backend, with the expected answer of every step.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "spool_backends.hpp"
#include "spool_test_support.hpp"

namespace accord::spool {
namespace {

using namespace accord::spool::testing;

struct Step {
  enum Kind { kAppend, kLease, kAck, kStats, kReopen } kind = kAppend;
  // kAppend
  std::string sender = "police";
  std::string id;
  std::string hash = "h1";
  std::int64_t at = 1000;
  std::vector<std::string> recipients;
  AppendOutcome want_outcome = AppendOutcome::stored;
  std::int64_t want_first_at = 1000;
  std::vector<std::string> want_first_recipients;
  // kLease / kAck
  std::string recipient;
  std::size_t max_items = 100;
  std::int64_t lease_ms = 100;
  std::int64_t now = 1000;
  std::vector<std::pair<std::string, int>> want_leased;  // message id, attempts
  std::string copy_of;                                   // kAck: whose copy (recipient) ...
  std::string copy_id;  // ... of which message; empty: an id never issued
  AckOutcome want_ack = AckOutcome::acked;
  // kStats
  std::map<std::string, std::int64_t> want_queued;
  // any step: the error code expected instead of a value
  std::string want_error;
};

Step Append(std::string id, std::vector<std::string> to,
            AppendOutcome want = AppendOutcome::stored) {
  Step s;
  s.kind = Step::kAppend;
  s.id = std::move(id);
  s.recipients = to;
  s.want_outcome = want;
  s.want_first_recipients = std::move(to);
  return s;
}
Step AppendAs(Step s, std::string sender, std::string hash, std::int64_t at) {
  s.sender = std::move(sender);
  s.hash = std::move(hash);
  s.at = at;
  return s;
}
Step FirstFacts(Step s, std::int64_t at, std::vector<std::string> recipients) {
  s.want_first_at = at;
  s.want_first_recipients = std::move(recipients);
  return s;
}
Step Lease(std::string recipient, std::int64_t now, std::vector<std::pair<std::string, int>> want,
           std::size_t max_items = 100) {
  Step s;
  s.kind = Step::kLease;
  s.recipient = std::move(recipient);
  s.now = now;
  s.want_leased = std::move(want);
  s.max_items = max_items;
  return s;
}
Step Ack(std::string who, std::string copy_of, std::string id, AckOutcome want) {
  Step s;
  s.kind = Step::kAck;
  s.recipient = std::move(who);
  s.copy_of = std::move(copy_of);
  s.copy_id = std::move(id);
  s.want_ack = want;
  return s;
}
Step AckFails(std::string who, std::string copy_of, std::string id, std::string code) {
  Step s = Ack(std::move(who), std::move(copy_of), std::move(id), AckOutcome::acked);
  s.want_error = std::move(code);
  return s;
}
Step Stats(std::map<std::string, std::int64_t> want) {
  Step s;
  s.kind = Step::kStats;
  s.want_queued = std::move(want);
  return s;
}
Step Reopen() {
  Step s;
  s.kind = Step::kReopen;
  return s;
}

struct Scenario {
  std::string name;
  std::vector<Step> steps;
  friend void PrintTo(const Scenario& s, std::ostream* os) { *os << s.name; }
};

const AppendOutcome kStored = AppendOutcome::stored;
const AppendOutcome kDuplicate = AppendOutcome::duplicate;
const AppendOutcome kConflict = AppendOutcome::conflict;

std::vector<Scenario> scenarios() {
  return {
      {"append_lease_ack",
       {Append("m1", {"cps", "wcu"}), Stats({{"cps", 1}, {"wcu", 1}}),
        Lease("cps", 1000, {{"m1", 1}}), Ack("cps", "cps", "m1", AckOutcome::acked),
        Lease("cps", 5000, {}), Lease("wcu", 1000, {{"m1", 1}}), Stats({{"wcu", 1}})}},
      {"duplicate_same_hash_answers_first_facts",
       {Append("m1", {"cps"}),
        FirstFacts(AppendAs(Append("m1", {"wcu", "court"}, kDuplicate), "police", "h1", 2000), 1000,
                   {"cps"}),
        Lease("cps", 1000, {{"m1", 1}}), Lease("wcu", 1000, {}), Stats({{"cps", 1}})}},
      {"conflict_other_hash_stores_nothing",
       {Append("m1", {"cps"}),
        FirstFacts(AppendAs(Append("m1", {"wcu"}, kConflict), "police", "h2", 3000), 1000, {"cps"}),
        Lease("wcu", 1000, {}), Stats({{"cps", 1}})}},
      {"same_id_other_sender_is_a_new_submission",
       {Append("m1", {"cps"}), AppendAs(Append("m1", {"cps"}), "probation", "h9", 1000),
        Stats({{"cps", 2}})}},
      {"submission_with_zero_copies",
       {Append("m0", {}), Append("m0", {}, kDuplicate), Stats({}), Lease("cps", 1000, {})}},
      {"lease_in_append_order",
       {Append("m1", {"cps"}), Append("m2", {"wcu"}), Append("m3", {"cps"}), Append("m4", {"cps"}),
        Lease("cps", 1000, {{"m1", 1}, {"m3", 1}, {"m4", 1}})}},
      {"lease_max_items",
       {Append("m1", {"cps"}), Append("m2", {"cps"}), Append("m3", {"cps"}),
        Lease("cps", 1000, {{"m1", 1}, {"m2", 1}}, 2), Lease("cps", 1000, {}, 0),
        Lease("cps", 1000, {{"m3", 1}}, 2), Lease("cps", 1000, {}, 2)}},
      {"lease_hides_until_expiry_then_redelivers",
       {Append("m1", {"cps"}), Append("m2", {"cps"}), Lease("cps", 1000, {{"m1", 1}}, 1),
        Lease("cps", 1099, {{"m2", 1}}), Lease("cps", 1099, {}), Lease("cps", 1100, {{"m1", 2}}),
        Lease("cps", 1200, {{"m1", 3}, {"m2", 2}})}},
      {"ack_twice_is_already_acked",
       {Append("m1", {"cps"}), Lease("cps", 1000, {{"m1", 1}}),
        Ack("cps", "cps", "m1", AckOutcome::acked),
        Ack("cps", "cps", "m1", AckOutcome::already_acked), Stats({})}},
      {"ack_without_lease_is_allowed",
       {Append("m1", {"cps"}), Ack("cps", "cps", "m1", AckOutcome::acked), Lease("cps", 1000, {})}},
      {"ack_of_another_recipients_copy_is_not_found",
       {Append("m1", {"cps", "wcu"}), Lease("wcu", 1000, {{"m1", 1}}),
        AckFails("cps", "wcu", "m1", "not_found"), Stats({{"cps", 1}, {"wcu", 1}}),
        Ack("wcu", "wcu", "m1", AckOutcome::acked), AckFails("cps", "wcu", "m1", "not_found")}},
      {"ack_of_unknown_id_is_not_found", {AckFails("cps", "", "", "not_found")}},
      {"acked_copy_is_never_redelivered",
       {Append("m1", {"cps"}), Lease("cps", 1000, {{"m1", 1}}),
        Ack("cps", "cps", "m1", AckOutcome::acked), Lease("cps", 99999, {})}},
      {"reopen_keeps_everything",
       {Append("m1", {"cps"}), Append("m2", {"cps"}), Append("m3", {"cps", "wcu"}),
        Lease("cps", 1000, {{"m1", 1}}, 1), Lease("cps", 1000, {{"m2", 1}}, 1),
        Ack("cps", "cps", "m2", AckOutcome::acked), Reopen(), Stats({{"cps", 2}, {"wcu", 1}}),
        Append("m1", {"cps"}, kDuplicate), Ack("cps", "cps", "m2", AckOutcome::already_acked),
        Lease("cps", 1050, {{"m3", 1}}), Lease("cps", 1100, {{"m1", 2}}), Reopen(),
        Lease("cps", 1149, {}), Lease("wcu", 1149, {{"m3", 1}}), Lease("cps", 1150, {{"m3", 2}})}},
  };
}

// (backend, scenario)
class SpoolScenario : public ::testing::TestWithParam<std::tuple<std::string, Scenario>> {};

TEST_P(SpoolScenario, Runs) {
  auto backend = SpoolBackend::make(std::get<0>(GetParam()));
  ASSERT_NE(backend, nullptr);
  auto spool = backend->open();
  ASSERT_NE(spool, nullptr);
  std::map<std::pair<std::string, std::string>, std::int64_t> delivery_ids;  // (to, id)
  const auto& steps = std::get<1>(GetParam()).steps;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const Step& st = steps[i];
    SCOPED_TRACE("step " + std::to_string(i));
    switch (st.kind) {
      case Step::kAppend: {
        auto r =
            append_sync(*spool, make_submission(st.id, st.recipients, st.sender, st.hash, st.at));
        ASSERT_TRUE(r.ok()) << r.error().code;
        EXPECT_EQ(r->outcome, st.want_outcome);
        EXPECT_EQ(r->received_at_ms, st.want_first_at);
        EXPECT_EQ(r->recipients, st.want_first_recipients);
        break;
      }
      case Step::kLease: {
        auto r = lease_sync(*spool, LeaseRequest{st.recipient, st.max_items, st.lease_ms, st.now});
        ASSERT_TRUE(r.ok()) << r.error().code;
        std::vector<std::pair<std::string, int>> got;
        for (const auto& d : *r) {
          got.emplace_back(d.message_id, d.attempts);
          EXPECT_EQ(d.payload, payload_for(d.message_id, st.recipient));
          EXPECT_EQ(d.lease_expires_at_ms, st.now + st.lease_ms);
          EXPECT_EQ(d.event_type, "hearing.scheduled");
          EXPECT_EQ(d.case_urn, "urn:accord:case:" + d.message_id);
          EXPECT_EQ(d.sender, "police");
          delivery_ids[{st.recipient, d.message_id}] = d.delivery_id;
        }
        EXPECT_EQ(got, st.want_leased);
        break;
      }
      case Step::kAck: {
        std::int64_t id = 987654321;  // never issued
        if (!st.copy_id.empty()) {
          auto it = delivery_ids.find({st.copy_of, st.copy_id});
          if (it == delivery_ids.end()) {
            // Not leased yet in this script: learn its id with a zero-length lease.
            auto l = lease_sync(*spool, LeaseRequest{st.copy_of, 100, 0, 0});
            ASSERT_TRUE(l.ok());
            for (const auto& d : *l) delivery_ids[{st.copy_of, d.message_id}] = d.delivery_id;
            it = delivery_ids.find({st.copy_of, st.copy_id});
            ASSERT_NE(it, delivery_ids.end());
          }
          id = it->second;
        }
        auto r = ack_sync(*spool, AckRequest{st.recipient, id, st.now});
        if (!st.want_error.empty()) {
          ASSERT_FALSE(r.ok());
          EXPECT_EQ(r.error().code, st.want_error);
        } else {
          ASSERT_TRUE(r.ok()) << r.error().code;
          EXPECT_EQ(*r, st.want_ack);
        }
        break;
      }
      case Step::kStats:
        EXPECT_EQ(spool->stats().queued_by_recipient, st.want_queued);
        EXPECT_EQ(spool->stats().pending_operations, 0);
        break;
      case Step::kReopen:
        spool.reset();
        spool = backend->open();
        ASSERT_NE(spool, nullptr);
        break;
    }
  }
}

std::string scenario_name(const ::testing::TestParamInfo<SpoolScenario::ParamType>& info) {
  return std::get<1>(info.param).name;
}
INSTANTIATE_TEST_SUITE_P(sqlite, SpoolScenario,
                         ::testing::Combine(::testing::Values(std::string("sqlite")),
                                            ::testing::ValuesIn(scenarios())),
                         scenario_name);
INSTANTIATE_TEST_SUITE_P(postgresql, SpoolScenario,
                         ::testing::Combine(::testing::Values(std::string("postgresql")),
                                            ::testing::ValuesIn(scenarios())),
                         scenario_name);

using SpoolStats = BackendTest;

TEST_P(SpoolStats, CountsAppendsCommitsAndQueued) {
  auto spool = open();
  ASSERT_NE(spool, nullptr);
  EXPECT_EQ(spool->stats().appended, 0);
  EXPECT_EQ(spool->stats().commits, 0);
  ASSERT_TRUE(append_sync(*spool, make_submission("m1", {"cps", "wcu"})).ok());
  ASSERT_TRUE(append_sync(*spool, make_submission("m1", {"cps", "wcu"})).ok());  // duplicate
  ASSERT_TRUE(append_sync(*spool, make_submission("m2", {"cps"})).ok());
  const auto s = spool->stats();
  EXPECT_EQ(s.appended, 2);  // the duplicate stored nothing
  EXPECT_EQ(s.commits, 3);   // one transaction per waited-for call
  EXPECT_EQ(s.queued_by_recipient, (std::map<std::string, std::int64_t>{{"cps", 2}, {"wcu", 1}}));
}

ACCORD_SPOOL_BACKENDS(SpoolStats);

// The rows behind the contract, read back with the same SQL on each backend (the tables
// mirror each other, docs/storage.md): an ack keeps the copy and drops its payload.
using SpoolRows = BackendTest;

TEST_P(SpoolRows, AckKeepsTheCopyAndDropsItsPayload) {
  {
    auto spool = open();
    ASSERT_NE(spool, nullptr);
    ASSERT_TRUE(append_sync(*spool, make_submission("m1", {"cps", "wcu"})).ok());
    auto l = lease_sync(*spool, LeaseRequest{"cps", 10, 100, 1000});
    ASSERT_TRUE(l.ok());
    ASSERT_EQ(l->size(), 1u);
    ASSERT_TRUE(ack_sync(*spool, AckRequest{"cps", l->front().delivery_id, 1234}).ok());
  }
  EXPECT_EQ(backend->inspect("SELECT recipient, state, attempts, acked_at_ms, "
                             "CASE WHEN payload IS NULL THEN 1 ELSE 0 END FROM copies ORDER BY id"),
            "cps|acked|1|1234|1\nwcu|queued|0|NULL|0");
  EXPECT_EQ(
      backend->inspect("SELECT sender, message_id, content_hash, recipients FROM submissions"),
      "police|m1|h1|[\"cps\",\"wcu\"]");
}

ACCORD_SPOOL_BACKENDS(SpoolRows);

}  // namespace
}  // namespace accord::spool
