// A real audit log for the reader tests: a real embedded spool in a mkdtemp dir, real
// submissions, a lease and an ack, an administrative record, and checkpoints signed by a real
// gateway key. The resulting seqs are fixed (listed below) so the filter table can name them.
//
//   seq  kind               sender  recipient  agreement           case  subject  at (+T0)
//    1   decision.accepted  police  cps        police-cps@2        C1    S-1      1000
//    2   decision.refused   police  wcu        -                   C1    S-1      1000
//    3   decision.accepted  police  wcu        police-wcu@1        C2    S-2      2000
//    4   decision.accepted  police  vsp        police-cps-extra@1  C3    S-3      2500
//    5   decision.accepted  police  courts     policeXcps@1        C3    S-3      2600
//    6   decision.accepted  police  cps        police-cps@3        C3    S-3      2600
//    7   admin.agreements_loaded                                                  3000
//        checkpoint 7
//    8   decision.accepted  cps     police     cps-police@1        C1    S-1      4000
//    9   delivery.leased    police  cps        -                   C1    S-1      5000
//   10   delivery.acked     police  cps        -                   C1    S-1      6000
//        checkpoint 10
//   11   decision.refused   police  cps        -                   C1    S-1      7000
//        (unsealed: the shutdown's checkpoint is removed, as if the gateway had crashed)
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <future>
#include <memory>
#include <string>

#include "accord/crypto/signature.hpp"
#include "accord/spool/sqlite_spool.hpp"
#include "accord/testing/temp_dir.hpp"

namespace accord::spool::testing {

inline constexpr std::int64_t kT0 = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
inline const std::string kC1 = "urn:accord:case:police:1";
inline const std::string kC2 = "urn:accord:case:police:2";
inline const std::string kC3 = "urn:accord:case:police:3";

template <typename T>
T wait_for(const std::function<void(std::function<void(T)>)>& start) {
  auto p = std::make_shared<std::promise<T>>();
  start([p](T value) { p->set_value(std::move(value)); });
  return p->get_future().get();
}

class AuditLog {
 public:
  AuditLog() : dir_("accord-audit-reader-") {
    auto signer = crypto::GatewaySigner::load_or_create(dir_.file("gateway.key"), kT0);
    if (!signer.ok()) std::abort();
    signer_ = std::make_shared<crypto::GatewaySigner>(*signer);
  }

  std::string path() const { return dir_.file("spool.db"); }
  const crypto::GatewayPublicKey& key() const { return signer_->public_key(); }
  const accord::testing::TempDir& dir() const { return dir_; }

  // Signed by this log's key; checkpoints only when a test asks (the cadence never fires on
  // this frozen clock).
  AuditOptions audit_options() const {
    AuditOptions a;
    a.sign = [s = signer_](std::string_view bytes) { return s->sign(bytes); };
    a.checkpoint_every_records = 1'000'000;
    a.checkpoint_every_ms = 3'600'000;
    a.now_ms = [] { return kT0 + 100'000; };
    return a;
  }

  std::unique_ptr<Spool> open() {
    SqliteSpoolOptions o;
    o.path = path();
    o.audit = audit_options();
    auto spool = open_sqlite_spool(o);
    if (!spool.ok()) ADD_FAILURE() << spool.error().message;
    return spool.ok() ? std::move(spool).value() : nullptr;
  }

  static void append(Spool& spool, Submission s) {
    auto r = wait_for<Result<AppendResult>>(
        [&](auto done) { spool.append(std::move(s), std::move(done)); });
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  static void checkpoint(Spool& spool, std::int64_t at) {
    auto s = wait_for<Status>([&](auto done) { spool.checkpoint(at, std::move(done)); });
    ASSERT_TRUE(s.ok()) << s.error().message;
  }

  static Submission submission(std::string sender, std::string id, std::string case_urn,
                               std::string subject, std::int64_t at) {
    Submission s;
    s.sender = std::move(sender);
    s.message_id = std::move(id);
    s.content_hash = std::string(64, 'a');
    s.event_type = "hearing.scheduled";
    s.case_urn = std::move(case_urn);
    s.subject_ref = std::move(subject);
    s.received_at_ms = kT0 + at;
    return s;
  }
  // The decision facts every record of `s` carries, as the pipeline composes them.
  static audit::Event decision(const Submission& s, std::string_view kind, std::string recipient) {
    audit::Event e;
    e.kind = kind;
    e.at_ms = s.received_at_ms;
    e.message_id = s.message_id;
    e.sender = s.sender;
    e.recipient = std::move(recipient);
    e.event_type = s.event_type;
    e.case_urn = s.case_urn;
    e.subject_role = "victim";
    e.subject_ref = s.subject_ref;
    e.content_hash = s.content_hash;
    return e;
  }
  // A copy for `recipient` and its decision.accepted record (carrying the copy's delivery id).
  static void add_copy(Submission& s, std::string recipient, std::string agreement) {
    auto e = decision(s, audit::kind::kDecisionAccepted, recipient);
    e.agreement = std::move(agreement);
    e.copy_hash = std::string(64, 'b');
    e.fields = {{"hearing.date", "share"}, {"victim.dob", "drop"}, {"victim.name", "encrypt"}};
    s.records.push_back({std::move(e), s.copies.size()});
    s.copies.push_back({recipient, "{\"copy\":\"" + recipient + "\"}"});
  }
  static void add_refusal(Submission& s, std::string recipient, std::string reason) {
    auto e = decision(s, audit::kind::kDecisionRefused, std::move(recipient));
    e.code = "not_permitted";
    e.reason = std::move(reason);
    s.records.push_back({std::move(e)});
  }

  // Writes the 11 records and 2 checkpoints of the table above, then closes the spool.
  void build() {
    auto spool = open();
    ASSERT_NE(spool, nullptr);
    auto a = submission("police", "m1", kC1, "S-1", 1000);
    add_copy(a, "cps", "police-cps@2");
    add_refusal(a, "wcu", "no agreement grants hearing.scheduled");
    append(*spool, a);
    auto b = submission("police", "m2", kC2, "S-2", 2000);
    add_copy(b, "wcu", "police-wcu@1");
    append(*spool, b);
    auto c = submission("police", "m3", kC3, "S-3", 2500);
    add_copy(c, "vsp", "police-cps-extra@1");
    append(*spool, c);
    auto c2 = submission("police", "m3b", kC3, "S-3", 2600);
    add_copy(c2, "courts", "policeXcps@1");
    add_copy(c2, "cps", "police-cps@3");
    append(*spool, c2);
    audit::Event loaded;
    loaded.kind = audit::kind::kAgreementsLoaded;
    loaded.at_ms = kT0 + 3000;
    loaded.details = {{"old_hash", "sha256:00"}, {"new_hash", "sha256:11"}};
    auto s = wait_for<Status>([&](auto done) { spool->record({loaded}, std::move(done)); });
    ASSERT_TRUE(s.ok());
    checkpoint(*spool, kT0 + 3001);
    auto d = submission("cps", "m4", kC1, "S-1", 4000);
    add_copy(d, "police", "cps-police@1");
    append(*spool, d);
    auto leased = wait_for<Result<std::vector<Delivery>>>([&](auto done) {
      spool->lease(LeaseRequest{"cps", 1, 30'000, kT0 + 5000}, std::move(done));
    });
    ASSERT_TRUE(leased.ok());
    ASSERT_EQ(leased->size(), 1u);
    auto acked = wait_for<Result<AckOutcome>>([&](auto done) {
      spool->ack(AckRequest{"cps", leased->front().delivery_id, kT0 + 6000}, std::move(done));
    });
    ASSERT_TRUE(acked.ok());
    checkpoint(*spool, kT0 + 6001);
    auto e = submission("police", "m5", kC1, "S-1", 7000);
    add_refusal(e, "cps", "agreement suspended");
    append(*spool, e);
    spool->shutdown();
    // A clean shutdown seals record 11; drop that checkpoint to get the state a crash
    // (kill -9) before the next checkpoint leaves: an unsealed tail.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
    ASSERT_EQ(
        sqlite3_exec(db, "DELETE FROM audit_checkpoints WHERE seq = 11", nullptr, nullptr, nullptr),
        SQLITE_OK);
    ASSERT_EQ(sqlite3_changes(db), 1) << "the shutdown checkpoint was expected";
    sqlite3_close(db);
    // A crash writes no shutdown manifest either: without this one (which names the dropped
    // checkpoint) the next open adopts the spool as it is (docs/storage.md, "Manifest and lock").
    std::filesystem::remove(path() + ".manifest");
  }

 private:
  accord::testing::TempDir dir_;
  std::shared_ptr<crypto::GatewaySigner> signer_;
};

}  // namespace accord::spool::testing
