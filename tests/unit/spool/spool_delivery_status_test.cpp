// What a sender sees of its submission (spool.hpp: channel vs recipient acks, receipts,
// copy_facts, message_status) and the status-notice outbox, on every backend: the states of
// docs/storage.md "Delivery status", the records of docs/audit-format.md, notices written in the
// transaction of the fact that causes them.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "spool_backends.hpp"
#include "spool_test_support.hpp"

namespace accord::spool::testing {
namespace {

class SpoolDeliveryStatus : public BackendTest {};

const std::string kHashA(64, 'a');
const std::string kHashB(64, 'b');

// A submission whose copies carry a copy hash (receipt_required for `required`).
Submission status_submission(const std::string& id, const std::vector<std::string>& recipients,
                             bool status_callback = false,
                             const std::vector<std::string>& required = {}) {
  Submission s = make_submission(id, recipients);
  for (auto& c : s.copies) {
    c.copy_hash = c.recipient < "m" ? kHashA : kHashB;
    c.receipt_required = std::find(required.begin(), required.end(), c.recipient) != required.end();
  }
  s.status_callback = status_callback;
  return s;
}

AckRequest channel_ack(const std::string& recipient, std::int64_t id, std::int64_t now,
                       std::string ref = "") {
  AckRequest a{recipient, id, now};
  a.source = AckSource::channel;
  a.channel_ref = std::move(ref);
  return a;
}

AckRequest recipient_ack(const std::string& recipient, std::int64_t id, std::int64_t now,
                         std::optional<Receipt> receipt = std::nullopt) {
  AckRequest a{recipient, id, now};
  a.receipt = std::move(receipt);
  return a;
}

std::int64_t lease_one(Spool& spool, const std::string& recipient, std::int64_t now,
                       std::int64_t lease_ms = 100) {
  auto leased = lease_sync(spool, LeaseRequest{recipient, 1, lease_ms, now});
  EXPECT_TRUE(leased.ok() && leased->size() == 1u);
  return leased.ok() && !leased->empty() ? leased->front().delivery_id : 0;
}

MessageStatus status_of(const Spool& spool, const std::string& id, std::int64_t now) {
  auto r = spool.message_status("police", id, now);
  EXPECT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r.ok() && r->has_value());
  return r.ok() && r->has_value() ? **r : MessageStatus{};
}

const CopyStatus& copy_of(const MessageStatus& m, const std::string& recipient) {
  for (const auto& c : m.copies) {
    if (c.recipient == recipient) return c;
  }
  static const CopyStatus none;
  ADD_FAILURE() << "no copy for " << recipient;
  return none;
}

std::vector<StatusNotice> notices(const Spool& spool) {
  auto r = spool.pending_status_notices(100);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? *r : std::vector<StatusNotice>{};
}

// The audit records of `kind`, parsed.
std::vector<nlohmann::json> records_of(SpoolBackend& backend, const std::string& kind) {
  std::vector<nlohmann::json> out;
  for (const auto& row : backend.audit_rows()) {
    auto j = nlohmann::json::parse(row.record);
    if (j.value("kind", "") == kind) out.push_back(std::move(j));
  }
  return out;
}

std::string detail(const nlohmann::json& record, const std::string& key) {
  return record.contains("details") ? record["details"].value(key, "") : "";
}

TEST_P(SpoolDeliveryStatus, ChannelAckThenRecipientAck) {
  auto spool = open();
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(append_sync(*spool, status_submission("m1", {"cps"}, false, {"cps"})).ok());
  const std::int64_t id = lease_one(*spool, "cps", 2000);

  auto delivered = ack_sync(*spool, channel_ack("cps", id, 2010, "<42.x@gw>"));
  ASSERT_TRUE(delivered.ok()) << delivered.error().message;
  EXPECT_EQ(*delivered, AckOutcome::acked);
  auto again = ack_sync(*spool, channel_ack("cps", id, 2011, "<other>"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, AckOutcome::already_acked);

  CopyStatus c = copy_of(status_of(*spool, "m1", 2020), "cps");
  EXPECT_EQ(c.state, "delivered");
  EXPECT_EQ(c.delivered_at_ms, 2010);
  EXPECT_FALSE(c.acknowledged_at_ms.has_value());
  EXPECT_EQ(c.channel_ref, "<42.x@gw>");
  EXPECT_EQ(c.copy_hash, kHashA);
  EXPECT_TRUE(c.receipt_required);
  auto facts = spool->copy_facts("cps", id);
  ASSERT_TRUE(facts.ok() && facts->has_value());
  EXPECT_EQ((*facts)->state, "acked");
  EXPECT_FALSE((*facts)->acknowledged);
  EXPECT_EQ((*facts)->copy_hash, kHashA);
  EXPECT_TRUE((*facts)->receipt_required);
  EXPECT_EQ((*facts)->sender, "police");
  EXPECT_EQ((*facts)->message_id, "m1");

  const Receipt first{"lvws-sign-1", std::string(86, 'A') + "==", 2030};
  auto acked = ack_sync(*spool, recipient_ack("cps", id, 2030, first));
  ASSERT_TRUE(acked.ok());
  EXPECT_EQ(*acked, AckOutcome::acked);
  // The first acknowledgement and its receipt stand.
  auto second = ack_sync(*spool, recipient_ack("cps", id, 2040, Receipt{"other", "x", 2040}));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, AckOutcome::already_acked);
  EXPECT_EQ(*ack_sync(*spool, channel_ack("cps", id, 2041)), AckOutcome::already_acked);

  c = copy_of(status_of(*spool, "m1", 2050), "cps");
  EXPECT_EQ(c.state, "acknowledged");
  EXPECT_EQ(c.delivered_at_ms, 2010);
  EXPECT_EQ(c.acknowledged_at_ms, 2030);
  ASSERT_TRUE(c.receipt.has_value());
  EXPECT_EQ(*c.receipt, first);
  facts = spool->copy_facts("cps", id);
  ASSERT_TRUE(facts.ok() && facts->has_value());
  EXPECT_TRUE((*facts)->acknowledged);

  const auto acks = records_of(*backend, "delivery.acked");
  ASSERT_EQ(acks.size(), 2u);
  EXPECT_EQ(detail(acks[0], "by"), "channel");
  EXPECT_EQ(detail(acks[0], "channel_ref"), "<42.x@gw>");
  EXPECT_EQ(detail(acks[1], "by"), "recipient");
  EXPECT_EQ(detail(acks[1], "receipt_kid"), "lvws-sign-1");
  const auto receipts = records_of(*backend, "delivery.receipt");
  ASSERT_EQ(receipts.size(), 1u);
  EXPECT_EQ(receipts[0].value("recipient", ""), "cps");
  EXPECT_EQ(receipts[0].value("sender", ""), "police");
  EXPECT_EQ(receipts[0].value("message_id", ""), "m1");
  EXPECT_EQ(receipts[0].value("delivery_id", 0), id);
  EXPECT_EQ(detail(receipts[0], "kid"), "lvws-sign-1");
  EXPECT_EQ(detail(receipts[0], "copy_hash"), kHashA);
  EXPECT_EQ(detail(receipts[0], "sig"), first.sig);
}

// A mailbox copy: the recipient's ack is delivery and acknowledgement at once.
TEST_P(SpoolDeliveryStatus, RecipientAckOfAPendingCopyAcknowledgesIt) {
  auto spool = open();
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(append_sync(*spool, status_submission("m1", {"cps"})).ok());
  const std::int64_t id = lease_one(*spool, "cps", 2000);
  ASSERT_EQ(*ack_sync(*spool, recipient_ack("cps", id, 2005)), AckOutcome::acked);
  const CopyStatus c = copy_of(status_of(*spool, "m1", 2010), "cps");
  EXPECT_EQ(c.state, "acknowledged");
  EXPECT_EQ(c.acknowledged_at_ms, 2005);
  EXPECT_FALSE(c.delivered_at_ms.has_value());
  EXPECT_FALSE(c.receipt.has_value());
  const auto queued = spool->stats().queued_by_recipient;  // a recipient at 0 may be left out
  EXPECT_EQ(queued.contains("cps") ? queued.at("cps") : 0, 0);
  EXPECT_EQ(backend->inspect("SELECT acked_at_ms, acknowledged_at_ms, receipt_kid FROM copies"),
            "2005|2005|NULL");
  EXPECT_TRUE(records_of(*backend, "delivery.receipt").empty());
  EXPECT_EQ(*ack_sync(*spool, recipient_ack("cps", id, 2006)), AckOutcome::already_acked);
}

// Another recipient's copy and an unknown id look alike.
TEST_P(SpoolDeliveryStatus, CopyFactsAreTheRecipientsOnly) {
  auto spool = open();
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(append_sync(*spool, status_submission("m1", {"cps"})).ok());
  const std::int64_t id = lease_one(*spool, "cps", 2000);
  auto mine = spool->copy_facts("cps", id);
  ASSERT_TRUE(mine.ok() && mine->has_value());
  EXPECT_EQ((*mine)->state, "leased");
  EXPECT_EQ((*mine)->delivery_id, id);
  auto theirs = spool->copy_facts("wcu", id);
  ASSERT_TRUE(theirs.ok());
  EXPECT_FALSE(theirs->has_value());
  auto unknown = spool->copy_facts("cps", id + 1000);
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown->has_value());
  EXPECT_EQ(ack_sync(*spool, recipient_ack("wcu", id, 2001)).error().code, "not_found");
}

// One copy per state, plus withheld recipients, read at an instant the test gives.
TEST_P(SpoolDeliveryStatus, EveryStateAtTheInstant) {
  auto spool = open();
  ASSERT_NE(spool, nullptr);
  // Recipients named by the state they end in; the spool lists them sorted by recipient.
  Submission s = status_submission("m1", {"h_purged", "a_queued", "b_leased", "c_lapsed", "d_retry",
                                          "e_delivered", "f_acknowledged", "g_dead"});
  s.withheld = {{"z_refused", "not_permitted", "no flow"},
                {"i_refused", "no_agreement", "no agreement covers it"}};
  ASSERT_TRUE(append_sync(*spool, s).ok());
  const std::int64_t b = lease_one(*spool, "b_leased", 2000, 1000);  // until 3000
  lease_one(*spool, "c_lapsed", 2000, 100);                          // lapsed at 2100
  const std::int64_t d = lease_one(*spool, "d_retry", 2000);
  ASSERT_TRUE(
      status_sync(*spool, &Spool::release, ReleaseRequest{"d_retry", d, 9000, "HTTP 503", 2001})
          .ok());
  const std::int64_t e = lease_one(*spool, "e_delivered", 2000);
  ASSERT_TRUE(ack_sync(*spool, channel_ack("e_delivered", e, 2002, "ref-e")).ok());
  const std::int64_t f = lease_one(*spool, "f_acknowledged", 2000);
  ASSERT_TRUE(ack_sync(*spool, recipient_ack("f_acknowledged", f, 2003)).ok());
  const std::int64_t g = lease_one(*spool, "g_dead", 2000);
  ASSERT_TRUE(status_sync(*spool, &Spool::dead_letter,
                          DeadLetterRequest{"g_dead", g, "max_attempts", "HTTP 503", 2004})
                  .ok());
  PurgeRequest purge;
  purge.due = [](const PurgeCandidate& c) { return c.recipient == "h_purged"; };
  purge.now_ms = 2005;
  Completion<Result<PurgeResult>> purged;
  spool->purge(purge, purged.handler());
  ASSERT_TRUE(purged.get().ok());

  const MessageStatus m = status_of(*spool, "m1", 2500);
  EXPECT_EQ(m.sender, "police");
  EXPECT_EQ(m.message_id, "m1");
  EXPECT_EQ(m.event_type, "hearing.scheduled");
  EXPECT_EQ(m.case_urn, "urn:accord:case:m1");
  EXPECT_EQ(m.received_at_ms, 1000);
  std::vector<std::string> got;
  for (const auto& c : m.copies) got.push_back(c.recipient + "=" + c.state);
  EXPECT_EQ(got, (std::vector<std::string>{"a_queued=queued", "b_leased=leased", "c_lapsed=queued",
                                           "d_retry=queued", "e_delivered=delivered",
                                           "f_acknowledged=acknowledged", "g_dead=dead_lettered",
                                           "h_purged=purged"}));
  EXPECT_EQ(copy_of(m, "b_leased").lease_expires_at_ms, 3000);
  EXPECT_EQ(copy_of(m, "b_leased").attempts, 1);
  EXPECT_EQ(copy_of(m, "b_leased").delivery_id, b);
  EXPECT_FALSE(copy_of(m, "c_lapsed").lease_expires_at_ms.has_value());
  EXPECT_EQ(copy_of(m, "a_queued").attempts, 0);
  const CopyStatus& dead = copy_of(m, "g_dead");
  EXPECT_EQ(dead.dead_lettered_at_ms, 2004);
  EXPECT_EQ(dead.dead_letter_code, "max_attempts");
  EXPECT_EQ(dead.dead_letter_detail, "HTTP 503");
  EXPECT_EQ(copy_of(m, "e_delivered").channel_ref, "ref-e");
  EXPECT_EQ(m.withheld,
            (std::vector<WithheldRecipient>{{"i_refused", "no_agreement", "no agreement covers it"},
                                            {"z_refused", "not_permitted", "no flow"}}));
  // At 3000 b's lease has run out too.
  EXPECT_EQ(copy_of(status_of(*spool, "m1", 3000), "b_leased").state, "queued");

  // Never stored (or another sender's): nothing.
  auto unknown = spool->message_status("police", "m2", 2500);
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown->has_value());
  auto other = spool->message_status("probation", "m1", 2500);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
}

// Every copy refused: the submission is stored with its withheld list and no copy.
TEST_P(SpoolDeliveryStatus, ASubmissionWithNoCopyShowsItsWithheld) {
  auto spool = open();
  ASSERT_NE(spool, nullptr);
  Submission s = make_submission("m1", {});
  s.withheld = {{"cps", "not_permitted", "no flow"}};
  s.status_callback = true;
  ASSERT_TRUE(append_sync(*spool, s).ok());
  const MessageStatus m = status_of(*spool, "m1", 2000);
  EXPECT_TRUE(m.copies.empty());
  EXPECT_EQ(m.withheld, (std::vector<WithheldRecipient>{{"cps", "not_permitted", "no flow"}}));
  EXPECT_TRUE(notices(*spool).empty());
}

struct NoticeCase {
  std::string name;
  bool status_callback;
  // What happens to the copies of m1 (cps, wcu); then the notices expected, as
  // "outcome/recipient" in order.
  std::function<void(Spool&, std::int64_t cps, std::int64_t wcu)> act;
  std::vector<std::string> want;
  friend void PrintTo(const NoticeCase& c, std::ostream* os) { *os << c.name; }
};

void dead(Spool& spool, const std::string& recipient, std::int64_t id, std::int64_t now) {
  ASSERT_TRUE(status_sync(spool, &Spool::dead_letter,
                          DeadLetterRequest{recipient, id, "max_attempts", "HTTP 503", now})
                  .ok());
}

void redrive_and_lease(Spool& spool, const std::string& recipient, std::int64_t id,
                       std::int64_t now) {
  Completion<Result<std::int64_t>> c;
  spool.redrive(RedriveRequest{recipient, id, "admin", now}, c.handler());
  ASSERT_EQ(*c.get(), 1);
  ASSERT_EQ(lease_one(spool, recipient, now), id);
}

const NoticeCase kNoticeCases[] = {
    {"acknowledged_once_when_the_last_copy_is",
     true,
     [](Spool& s, std::int64_t cps, std::int64_t wcu) {
       ASSERT_TRUE(ack_sync(s, recipient_ack("cps", cps, 3000)).ok());
       ASSERT_TRUE(ack_sync(s, channel_ack("wcu", wcu, 3001)).ok());  // delivered is not enough
       ASSERT_TRUE(ack_sync(s, recipient_ack("wcu", wcu, 3002)).ok());
       ASSERT_TRUE(ack_sync(s, recipient_ack("wcu", wcu, 3003)).ok());  // already: no second
     },
     {"acknowledged/"}},
    {"one_per_dead_letter_even_after_a_redrive",
     true,
     [](Spool& s, std::int64_t cps, std::int64_t) {
       dead(s, "cps", cps, 3000);
       redrive_and_lease(s, "cps", cps, 3001);
       dead(s, "cps", cps, 3002);
     },
     {"dead_lettered/cps", "dead_lettered/cps"}},
    {"a_dead_copy_is_never_acknowledged",
     true,
     [](Spool& s, std::int64_t cps, std::int64_t wcu) {
       dead(s, "cps", cps, 3000);
       ASSERT_TRUE(ack_sync(s, recipient_ack("wcu", wcu, 3001)).ok());
     },
     {"dead_lettered/cps"}},
    {"none_without_status_callback",
     false,
     [](Spool& s, std::int64_t cps, std::int64_t wcu) {
       dead(s, "cps", cps, 3000);
       ASSERT_TRUE(ack_sync(s, recipient_ack("wcu", wcu, 3001)).ok());
     },
     {}},
};

class SpoolStatusNotices : public BackendTest {};

TEST_P(SpoolStatusNotices, AreWrittenWithTheirFact) {
  for (const NoticeCase& c : kNoticeCases) {
    SCOPED_TRACE(c.name);
    backend = SpoolBackend::make(GetParam());
    ASSERT_NE(backend, nullptr);
    auto spool = open();
    ASSERT_NE(spool, nullptr);
    ASSERT_TRUE(
        append_sync(*spool, status_submission("m1", {"cps", "wcu"}, c.status_callback)).ok());
    const std::int64_t cps = lease_one(*spool, "cps", 2000);
    const std::int64_t wcu = lease_one(*spool, "wcu", 2000);
    c.act(*spool, cps, wcu);
    std::vector<std::string> got;
    std::int64_t last_id = 0;
    for (const auto& n : notices(*spool)) {
      got.push_back(n.outcome + "/" + n.recipient);
      EXPECT_GT(n.notice_id, last_id);
      last_id = n.notice_id;
      EXPECT_EQ(n.sender, "police");
      EXPECT_EQ(n.message_id, "m1");
      EXPECT_EQ(n.delivery_id, n.outcome == "dead_lettered" ? cps : 0);
      EXPECT_GE(n.at_ms, 3000);
    }
    EXPECT_EQ(got, c.want);
  }
}

// Emitting queues the notice as a copy for the sender, once; the copy itself causes nothing.
TEST_P(SpoolStatusNotices, EmitQueuesOneCopyForTheSender) {
  auto spool = open();
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(append_sync(*spool, status_submission("m1", {"cps"}, true)).ok());
  const std::int64_t cps = lease_one(*spool, "cps", 2000);
  ASSERT_TRUE(ack_sync(*spool, recipient_ack("cps", cps, 3000)).ok());
  const auto pending = notices(*spool);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].outcome, "acknowledged");
  EXPECT_EQ(pending[0].at_ms, 3000);

  NoticeCopy copy{"police",
                  "status-" + std::to_string(pending[0].notice_id),
                  "accord.delivery_status",
                  "urn:accord:case:m1",
                  3100,
                  "{\"status\":\"...\"}"};
  Completion<Status> first;
  spool->emit_status_notice(pending[0].notice_id, copy, 3100, first.handler());
  ASSERT_TRUE(first.get().ok());
  Completion<Status> second;
  spool->emit_status_notice(pending[0].notice_id, copy, 3101, second.handler());
  ASSERT_TRUE(second.get().ok());
  EXPECT_TRUE(notices(*spool).empty());

  auto leased = lease_sync(*spool, LeaseRequest{"police", 10, 100, 3200});
  ASSERT_TRUE(leased.ok());
  ASSERT_EQ(leased->size(), 1u);  // one copy, not two
  const Delivery& d = leased->front();
  EXPECT_EQ(d.sender, "gateway.status");
  EXPECT_EQ(d.message_id, copy.message_id);
  EXPECT_EQ(d.event_type, "accord.delivery_status");
  EXPECT_EQ(d.case_urn, "urn:accord:case:m1");
  EXPECT_EQ(d.received_at_ms, 3100);
  EXPECT_EQ(d.payload, copy.payload);

  const auto emitted = records_of(*backend, "delivery.status_notice");
  ASSERT_EQ(emitted.size(), 1u);
  EXPECT_EQ(emitted[0].value("sender", ""), "gateway.status");
  EXPECT_EQ(emitted[0].value("recipient", ""), "police");
  EXPECT_EQ(emitted[0].value("message_id", ""), "m1");
  EXPECT_EQ(emitted[0].value("delivery_id", 0), d.delivery_id);
  EXPECT_EQ(detail(emitted[0], "outcome"), "acknowledged");
  EXPECT_EQ(detail(emitted[0], "notice_id"), std::to_string(pending[0].notice_id));
  EXPECT_EQ(detail(emitted[0], "delivery_id"), std::to_string(d.delivery_id));

  // The notice copy acked, or dead: no notice about a notice.
  ASSERT_TRUE(ack_sync(*spool, recipient_ack("police", d.delivery_id, 3300)).ok());
  EXPECT_TRUE(notices(*spool).empty());
}

}  // namespace

ACCORD_SPOOL_BACKENDS(SpoolDeliveryStatus);
ACCORD_SPOOL_BACKENDS(SpoolStatusNotices);

}  // namespace accord::spool::testing
