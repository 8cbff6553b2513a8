// The lifecycle of agreement versions (docs/agreements.md, "Co-signed activation and the
// lifecycle"), one table row per rule: every state, every event kind, each refusal code, sticky
// suspension, signatures known only from the log, a retired key, a reused version, expiry once.
// Each row runs its earlier passes through the gateway's path (events rendered as audit records,
// folded back by Ledger::apply_record) and, after the checked pass, evaluates it once more:
// nothing may be recorded twice.
#include "accord/governance/lifecycle.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "accord/agreements/agreement.hpp"
#include "accord/governance/signing.hpp"
#include "audit_record.hpp"

namespace accord::governance {
namespace {

namespace ag = accord::agreements;
using testing::audit_record;

ag::Instant at(std::string_view text) {
  return *ag::parse_instant(text);
}
const ag::Instant kNow = at("2026-12-06T17:00:00Z");

SigningSecret make_key(std::string_view agency, std::string_view signer, std::int64_t ms) {
  auto key = generate_signing_key(agency, signer, ms);
  if (!key.ok()) std::abort();
  return std::move(key.value());
}

// Keys made once: the parties police.met and provider.lvws, a registered agency that is not a
// party, and a police.met key nobody registered.
struct Keys {
  SigningSecret met = make_key("police.met", "J. Smith, DPO", 1'796'000'000'000);
  SigningSecret lvws = make_key("provider.lvws", "", 1'796'000'001'000);
  SigningSecret survivors = make_key("provider.survivors-uk", "", 1'796'000'002'000);
  SigningSecret unregistered = make_key("police.met", "", 1'796'000'003'000);
};
const Keys& keys() {
  static const Keys k;
  return k;
}

SignerRegistry registry(const std::vector<const SigningSecret*>& registered) {
  std::vector<std::pair<std::string, std::string>> files;
  for (const SigningSecret* s : registered) {
    files.emplace_back(public_file_name(s->key), public_key_json(s->key));
  }
  auto r = SignerRegistry::parse(files);
  if (!r.ok()) std::abort();
  return std::move(r.value());
}
std::vector<const SigningSecret*> all_keys() {
  return {&keys().met, &keys().lvws, &keys().survivors};
}

VersionInput version(std::string id, int v, std::string body = "flows: original\n",
                     ag::Status declared = ag::Status::active, ag::Mode mode = ag::Mode::enforce,
                     std::string_view until = "2027-01-01") {
  VersionInput in;
  in.text = "id: " + id + "\nversion: " + std::to_string(v) + "\n" + body;
  in.ref = VersionRef{id, v, content_hash(in.text), {"police.met", "provider.lvws"}};
  in.file = id + ".v" + std::to_string(v) + ".yaml";
  in.declared = declared;
  in.mode = mode;
  in.valid_until = at(until);
  return in;
}

Statement statement(StatementKind kind, const VersionInput& v, const SigningSecret& key,
                    std::string reason = "") {
  Statement s;
  s.kind = kind;
  s.agreement = v.ref.agreement;
  s.version = v.ref.version;
  s.content_hash = v.ref.content_hash;
  s.agency = key.key.agency;
  s.kid = key.key.kid;
  s.signed_at = "2026-12-01T10:00:00.000Z";
  s.reason = std::move(reason);
  Statement signed_statement = sign(std::move(s), key);
  signed_statement.source = statement_file_name(signed_statement);
  return signed_statement;
}
Statement sig(const VersionInput& v, const SigningSecret& key) {
  return statement(StatementKind::signature, v, key);
}
Statement suspend(const VersionInput& v, const SigningSecret& key) {
  return statement(StatementKind::suspension, v, key, "breach under investigation");
}

struct Pass {
  std::vector<VersionInput> versions;
  std::vector<Statement> statements;
  std::vector<const SigningSecret*> registered = all_keys();
  ag::Instant now = kNow;
};

Evaluation run(const Pass& p, const Ledger& ledger) {
  return evaluate(p.versions, p.statements, registry(p.registered), ledger, p.now);
}

std::string describe_event(const LifecycleEvent& e) {
  return e.kind + " " + e.agreement + (e.code.empty() ? "" : " " + e.code);
}

// Folds events the way a restarted gateway reads them: rendered records through apply_record.
void fold(Ledger& ledger, const std::vector<LifecycleEvent>& events, std::int64_t& seq) {
  for (const LifecycleEvent& e : events) {
    const Status s = ledger.apply_record(audit_record(e, ++seq));
    ASSERT_TRUE(s.ok()) << s.error().message << " " << s.error().path;
  }
}

const VersionInput a1 = version("a", 1);
const VersionInput a1_edited = version("a", 1, "flows: edited after signing\n");
const VersionInput a2 = version("a", 2, "flows: second version\n");

Statement with_agency(Statement s, std::string agency) {
  s.agency = std::move(agency);
  return s;
}
Statement with_signed_at(Statement s, std::string signed_at) {
  s.signed_at = std::move(signed_at);
  return s;
}

struct Row {
  const char* name;
  // Earlier passes, folded into the ledger, then the pass checked.
  std::function<std::vector<Pass>()> passes;
  std::vector<State> states;
  std::vector<std::string> events;
};

const Keys& k() {
  return keys();
}

const Row kRows[] = {
    {"declared_draft_needs_nothing",
     [] {
       return std::vector<Pass>{{{version("a", 1, "x\n", ag::Status::draft)}, {}}};
     },
     {State::draft},
     {}},
    {"declared_expired",
     [] {
       return std::vector<Pass>{{{version("a", 1, "x\n", ag::Status::expired)}, {}}};
     },
     {State::expired},
     {}},
    {"declared_suspended",
     [] {
       return std::vector<Pass>{{{version("a", 1, "x\n", ag::Status::suspended)}, {}}};
     },
     {State::suspended},
     {}},
    {"shadow_is_proposed_and_needs_no_signature",
     [] {
       return std::vector<Pass>{
           {{version("a", 1, "x\n", ag::Status::active, ag::Mode::shadow)}, {}}};
     },
     {State::shadow},
     {"agreement.proposed a@1"}},
    {"one_party_signed_awaits_the_other",
     [] {
       return std::vector<Pass>{{{a1}, {sig(a1, k().met)}}};
     },
     {State::awaiting_signatures},
     {"agreement.proposed a@1", "agreement.signed a@1",
      "agreement.not_activated a@1 missing_signature"}},
    {"co_signed_by_every_party_activates",
     [] {
       return std::vector<Pass>{{{a1}, {sig(a1, k().met), sig(a1, k().lvws)}}};
     },
     {State::active},
     {"agreement.proposed a@1", "agreement.signed a@1", "agreement.signed a@1",
      "agreement.activated a@1"}},
    {"valid_until_passed_is_recorded_once",
     [] {
       const VersionInput ended =
           version("a", 1, "x\n", ag::Status::active, ag::Mode::enforce, "2026-12-01");
       return std::vector<Pass>{{{ended}, {sig(ended, k().met), sig(ended, k().lvws)}}};
     },
     {State::active},
     {"agreement.proposed a@1", "agreement.signed a@1", "agreement.signed a@1",
      "agreement.activated a@1", "agreement.expired a@1"}},
    {"expiry_already_recorded_is_not_repeated",
     [] {
       const VersionInput ended =
           version("a", 1, "x\n", ag::Status::active, ag::Mode::enforce, "2026-12-01");
       const Pass p{{ended}, {sig(ended, k().met), sig(ended, k().lvws)}};
       return std::vector<Pass>{p, p};
     },
     {State::active},
     {}},
    {"one_suspension_suspends_at_once",
     [] {
       return std::vector<Pass>{
           {{a1}, {sig(a1, k().met), sig(a1, k().lvws), suspend(a1, k().met)}}};
     },
     {State::suspended},
     {"agreement.proposed a@1", "agreement.signed a@1", "agreement.signed a@1",
      "agreement.suspended a@1"}},
    {"suspension_of_an_active_version",
     [] {
       const Pass signed_pass{{a1}, {sig(a1, k().met), sig(a1, k().lvws)}};
       Pass suspended = signed_pass;
       suspended.statements.push_back(suspend(a1, k().lvws));
       return std::vector<Pass>{signed_pass, suspended};
     },
     {State::suspended},
     {"agreement.suspended a@1"}},
    {"suspension_is_sticky_after_its_file_is_gone",
     [] {
       return std::vector<Pass>{{{a1}, {sig(a1, k().met), sig(a1, k().lvws), suspend(a1, k().met)}},
                                {{a1}, {sig(a1, k().met), sig(a1, k().lvws)}}};
     },
     {State::suspended},
     {}},
    {"suspension_is_sticky_after_its_key_is_retired",
     [] {
       return std::vector<Pass>{{{a1}, {sig(a1, k().met), sig(a1, k().lvws), suspend(a1, k().met)}},
                                {{a1}, {}, {&k().lvws}}};
     },
     {State::suspended},
     {}},
    {"signatures_known_only_from_the_log_count",
     [] {
       return std::vector<Pass>{{{a1}, {sig(a1, k().met), sig(a1, k().lvws)}}, {{a1}, {}}};
     },
     {State::active},
     {}},
    {"retired_key_stops_its_signature_counting",
     [] {
       return std::vector<Pass>{{{a1}, {sig(a1, k().met), sig(a1, k().lvws)}},
                                {{a1}, {}, {&k().met, &k().survivors}}};
     },
     {State::awaiting_signatures},
     {"agreement.not_activated a@1 missing_signature"}},
    {"not_activated_again_only_when_the_missing_list_changes",
     [] {
       return std::vector<Pass>{{{a1}, {}}, {{a1}, {sig(a1, k().met)}}};
     },
     {State::awaiting_signatures},
     {"agreement.signed a@1", "agreement.not_activated a@1 missing_signature"}},
    {"awaiting_unchanged_records_nothing",
     [] {
       const Pass p{{a1}, {sig(a1, k().met)}};
       return std::vector<Pass>{p, p};
     },
     {State::awaiting_signatures},
     {}},
    {"version_reused_with_other_text_is_held",
     [] {
       return std::vector<Pass>{{{a1}, {}},
                                {{a1_edited}, {sig(a1_edited, k().met), sig(a1_edited, k().lvws)}}};
     },
     {State::version_reused},
     {"agreement.not_activated a@1 version_reused"}},
    {"replaced_version_is_retired_after_the_new_one",
     [] {
       return std::vector<Pass>{{{a1}, {sig(a1, k().met), sig(a1, k().lvws)}},
                                {{a2}, {sig(a2, k().met), sig(a2, k().lvws)}}};
     },
     {State::active},
     {"agreement.proposed a@2", "agreement.signed a@2", "agreement.signed a@2",
      "agreement.activated a@2", "agreement.retired a@1"}},
    {"signed_version_keeps_serving_while_the_next_awaits",
     [] {
       return std::vector<Pass>{{{a1}, {sig(a1, k().met), sig(a1, k().lvws)}},
                                {{a1, a2}, {sig(a1, k().met), sig(a2, k().met)}}};
     },
     {State::active, State::awaiting_signatures},
     {"agreement.proposed a@2", "agreement.signed a@2",
      "agreement.not_activated a@2 missing_signature"}},
    {"refused_unknown_signer",
     [] {
       return std::vector<Pass>{{{a1}, {sig(a1, k().unregistered)}}};
     },
     {State::awaiting_signatures},
     {"agreement.proposed a@1", "agreement.signature_refused a@1 unknown_signer",
      "agreement.not_activated a@1 missing_signature"}},
    {"refused_signer_not_of_agency",
     [] {
       return std::vector<Pass>{{{a1}, {with_agency(sig(a1, k().met), "provider.lvws")}}};
     },
     {State::awaiting_signatures},
     {"agreement.proposed a@1", "agreement.signature_refused a@1 signer_not_of_agency",
      "agreement.not_activated a@1 missing_signature"}},
    {"refused_not_a_party",
     [] {
       return std::vector<Pass>{{{a1}, {sig(a1, k().survivors)}}};
     },
     {State::awaiting_signatures},
     {"agreement.proposed a@1", "agreement.signature_refused a@1 not_a_party",
      "agreement.not_activated a@1 missing_signature"}},
    {"refused_other_version_a_replayed_old_signature",
     [] {
       return std::vector<Pass>{{{a2}, {sig(a1, k().met)}}};
     },
     {State::awaiting_signatures},
     {"agreement.proposed a@2", "agreement.signature_refused a@1 other_version",
      "agreement.not_activated a@2 missing_signature"}},
    {"refused_text_changed_after_signing",
     [] {
       return std::vector<Pass>{{{a1_edited}, {sig(a1, k().met)}}};
     },
     {State::awaiting_signatures},
     {"agreement.proposed a@1", "agreement.signature_refused a@1 text_changed",
      "agreement.not_activated a@1 missing_signature"}},
    {"refused_bad_signature",
     [] {
       return std::vector<Pass>{
           {{a1}, {with_signed_at(sig(a1, k().met), "2026-12-02T10:00:00.000Z")}}};
     },
     {State::awaiting_signatures},
     {"agreement.proposed a@1", "agreement.signature_refused a@1 bad_signature",
      "agreement.not_activated a@1 missing_signature"}},
    {"refused_unknown_agreement_after_the_versions",
     [] {
       return std::vector<Pass>{{{a1}, {sig(version("b", 1), k().met)}}};
     },
     {State::awaiting_signatures},
     {"agreement.proposed a@1", "agreement.not_activated a@1 missing_signature",
      "agreement.signature_refused b@1 unknown_agreement"}},
    {"refused_suspension_does_not_suspend",
     [] {
       return std::vector<Pass>{
           {{a1}, {sig(a1, k().met), sig(a1, k().lvws), suspend(a1, k().survivors)}}};
     },
     {State::active},
     {"agreement.proposed a@1", "agreement.signature_refused a@1 not_a_party",
      "agreement.signed a@1", "agreement.signed a@1", "agreement.activated a@1"}},
    {"refusal_is_recorded_once",
     [] {
       const Pass p{{a1}, {sig(a1, k().survivors)}};
       return std::vector<Pass>{p, p};
     },
     {State::awaiting_signatures},
     {}},
    {"restored_file_is_activated_again_after_retirement",
     [] {
       const Pass first{{a1}, {sig(a1, k().met), sig(a1, k().lvws)}};
       return std::vector<Pass>{first, {{a2}, {}}, first};
     },
     {State::active},
     {"agreement.activated a@1"}},
};

class Lifecycle : public ::testing::TestWithParam<Row> {};

TEST_P(Lifecycle, StatesAndEvents) {
  const Row& row = GetParam();
  const std::vector<Pass> passes = row.passes();
  Ledger ledger;
  std::int64_t seq = 0;
  for (std::size_t i = 0; i + 1 < passes.size(); ++i) {
    fold(ledger, run(passes[i], ledger).events, seq);
  }
  const Pass& checked = passes.back();
  const Evaluation ev = run(checked, ledger);

  std::vector<State> states;
  for (const Governed& g : ev.versions) states.push_back(g.state);
  std::vector<std::string> events;
  for (const LifecycleEvent& e : ev.events) events.push_back(describe_event(e));
  EXPECT_EQ(states, row.states);
  EXPECT_EQ(events, row.events);

  fold(ledger, ev.events, seq);
  std::vector<std::string> again;
  for (const LifecycleEvent& e : run(checked, ledger).events) again.push_back(describe_event(e));
  EXPECT_EQ(again, std::vector<std::string>{}) << "recorded twice";
}

INSTANTIATE_TEST_SUITE_P(Rows, Lifecycle, ::testing::ValuesIn(kRows),
                         [](const auto& info) { return std::string(info.param.name); });

using Details = std::vector<std::pair<std::string, std::string>>;

TEST(LifecycleRecords, CarryTheDocumentedDetailsInOrder) {
  const Evaluation ev =
      run({{a1}, {sig(a1, k().met), sig(a1, k().lvws), sig(a1, k().survivors)}}, Ledger{});
  ASSERT_EQ(ev.events.size(), 5u);
  EXPECT_EQ(ev.events[0].details, (Details{{"content_hash", a1.ref.content_hash},
                                           {"file", "a.v1.yaml"},
                                           {"status", "active"},
                                           {"mode", "enforce"},
                                           {"parties", "police.met,provider.lvws"},
                                           {"text", a1.text}}));
  const LifecycleEvent& refused = ev.events[1];
  EXPECT_EQ(refused.kind, kind::kSignatureRefused);
  EXPECT_EQ(refused.code, "not_a_party");
  EXPECT_FALSE(refused.reason.empty());
  EXPECT_EQ(refused.details, (Details{{"statement", "signature"},
                                      {"content_hash", a1.ref.content_hash},
                                      {"agency", "provider.survivors-uk"},
                                      {"kid", k().survivors.key.kid},
                                      {"source", "a.v1.provider.survivors-uk.sig.json"}}));
  const Statement met = sig(a1, k().met);
  EXPECT_EQ(ev.events[2].details, (Details{{"content_hash", a1.ref.content_hash},
                                           {"agency", "police.met"},
                                           {"kid", k().met.key.kid},
                                           {"signer", "J. Smith, DPO"},
                                           {"signed_at", "2026-12-01T10:00:00.000Z"},
                                           {"source", "a.v1.police.met.sig.json"},
                                           {"sig", met.sig}}));
  // No signer label: no `signer` member.
  EXPECT_EQ(ev.events[3].details.size(), 6u);
  EXPECT_EQ(ev.events[4].details, (Details{{"content_hash", a1.ref.content_hash},
                                           {"signed_by", "police.met,provider.lvws"}}));
}

TEST(LifecycleRecords, HeldAndEndedVersionsNameWhatIsMissing) {
  const VersionInput three = [] {
    VersionInput v = version("c", 1);
    v.ref.parties = {"police.met", "provider.lvws", "provider.survivors-uk"};
    return v;
  }();
  const Evaluation ev = run({{three}, {sig(three, k().lvws)}}, Ledger{});
  ASSERT_EQ(ev.versions.size(), 1u);
  const Governed& g = ev.versions[0];
  EXPECT_EQ(g.missing, (std::vector<std::string>{"police.met", "provider.survivors-uk"}));
  EXPECT_EQ(g.reason, "awaiting signatures from police.met, provider.survivors-uk");
  const LifecycleEvent& held = ev.events.back();
  EXPECT_EQ(held.kind, kind::kNotActivated);
  EXPECT_EQ(held.reason, g.reason);
  EXPECT_EQ(held.details, (Details{{"content_hash", three.ref.content_hash},
                                   {"missing", "police.met,provider.survivors-uk"}}));

  Ledger ledger;
  std::int64_t seq = 0;
  fold(ledger, run({{a1}, {}}, ledger).events, seq);
  const Evaluation reused = run({{a1_edited}, {}}, ledger);
  EXPECT_EQ(reused.versions[0].reason,
            "a@1 was archived with other text (" + a1.ref.content_hash + "): raise the version");
  EXPECT_EQ(reused.events.back().details, (Details{{"content_hash", a1_edited.ref.content_hash},
                                                   {"archived_hash", a1.ref.content_hash}}));

  const VersionInput ended =
      version("e", 1, "x\n", ag::Status::active, ag::Mode::enforce, "2026-12-01T12:00:00Z");
  const Evaluation expired = run({{ended}, {sig(ended, k().met), sig(ended, k().lvws)}}, Ledger{});
  EXPECT_EQ(expired.events.back().details, (Details{{"content_hash", ended.ref.content_hash},
                                                    {"valid_until", "2026-12-01T12:00:00Z"}}));
}

TEST(LifecycleRecords, SuspensionCarriesItsReasonAndSignature) {
  const Statement s = suspend(a1, k().met);
  const Evaluation ev = run({{a1}, {s}}, Ledger{});
  const LifecycleEvent& e = ev.events.back();
  EXPECT_EQ(e.kind, kind::kSuspended);
  EXPECT_EQ(e.reason, "breach under investigation");
  EXPECT_EQ(e.details, (Details{{"content_hash", a1.ref.content_hash},
                                {"agency", "police.met"},
                                {"kid", k().met.key.kid},
                                {"signer", "J. Smith, DPO"},
                                {"signed_at", "2026-12-01T10:00:00.000Z"},
                                {"source", "a.v1.police.met.suspend.json"},
                                {"sig", s.sig}}));
  EXPECT_EQ(ev.versions[0].reason, "suspended by police.met: breach under investigation");
  EXPECT_EQ(describe(ev.versions[0]), "SUSPENDED by police.met: breach under investigation");
  // The suspension is known after a restart, from the log alone.
  Ledger ledger;
  std::int64_t seq = 0;
  fold(ledger, ev.events, seq);
  const Evaluation later = run({{a1}, {}}, ledger);
  ASSERT_EQ(later.versions[0].suspended_by.size(), 1u);
  EXPECT_EQ(later.versions[0].suspended_by[0].source, "audit");
  EXPECT_EQ(later.versions[0].reason, "suspended by police.met: breach under investigation");
}

TEST(LifecycleRecords, SignaturesNameWhereTheyWereFound) {
  Ledger ledger;
  std::int64_t seq = 0;
  fold(ledger, run({{a1}, {sig(a1, k().met)}}, ledger).events, seq);
  const Evaluation ev = run({{a1}, {sig(a1, k().lvws)}}, ledger);
  const Governed& g = ev.versions[0];
  ASSERT_EQ(g.signatures.size(), 2u);
  EXPECT_EQ(g.signatures[0].agency, "police.met");
  EXPECT_EQ(g.signatures[0].source, "audit");
  EXPECT_EQ(g.signatures[0].signer, "J. Smith, DPO");
  EXPECT_EQ(g.signatures[0].kid, k().met.key.kid);
  EXPECT_EQ(g.signatures[1].agency, "provider.lvws");
  EXPECT_EQ(g.signatures[1].source, "a.v1.provider.lvws.sig.json");
  EXPECT_EQ(g.signatures[1].signed_at, "2026-12-01T10:00:00.000Z");
  EXPECT_EQ(describe(g), "co-signed by police.met, provider.lvws");
}

TEST(LifecycleDescribe, ListColumn) {
  EXPECT_EQ(describe(run({{a1}, {sig(a1, k().met)}}, Ledger{}).versions[0]),
            "AWAITING SIGNATURES from provider.lvws");
  Ledger ledger;
  std::int64_t seq = 0;
  fold(ledger, run({{a1}, {}}, ledger).events, seq);
  EXPECT_EQ(describe(run({{a1_edited}, {}}, ledger).versions[0]),
            "VERSION REUSED: raise the version");
  EXPECT_EQ(describe(run({{version("a", 1, "x\n", ag::Status::draft)}, {}}, Ledger{}).versions[0]),
            "");
}

TEST(LifecycleApply, HeldVersionsStopGrantingAndSayWhy) {
  std::vector<VersionInput> inputs = {a1, version("b", 1), version("c", 1),
                                      version("d", 1, "x\n", ag::Status::draft)};
  Ledger ledger;
  std::int64_t seq = 0;
  fold(ledger, run({{version("c", 1, "archived\n")}, {}}, ledger).events, seq);
  const Evaluation ev =
      run({inputs,
           {sig(a1, k().met), sig(a1, k().lvws), sig(inputs[1], k().met), suspend(a1, k().lvws)}},
          ledger);
  std::vector<ag::Agreement> loaded(4);
  for (auto& a : loaded) a.status = ag::Status::active;
  loaded[3].status = ag::Status::draft;
  governance::apply(loaded, ev);
  EXPECT_EQ(loaded[0].status, ag::Status::suspended);
  EXPECT_EQ(loaded[0].held_reason, "suspended by provider.lvws: breach under investigation");
  EXPECT_EQ(loaded[1].status, ag::Status::draft);
  EXPECT_EQ(loaded[1].held_reason, "awaiting signatures from provider.lvws");
  EXPECT_EQ(loaded[2].status, ag::Status::draft);
  EXPECT_NE(loaded[2].held_reason.find("raise the version"), std::string::npos);
  EXPECT_EQ(loaded[3].status, ag::Status::draft);
  EXPECT_EQ(loaded[3].held_reason, "");

  std::vector<ag::Agreement> signed_set(1);
  signed_set[0].status = ag::Status::active;
  governance::apply(signed_set, run({{a1}, {sig(a1, k().met), sig(a1, k().lvws)}}, Ledger{}));
  EXPECT_EQ(signed_set[0].status, ag::Status::active);
  EXPECT_EQ(signed_set[0].held_reason, "");
}

TEST(LifecycleInputs, VersionInputOfAParsedAgreement) {
  ag::Agreement a;
  a.id = "met-lvws-referral";
  a.version = 3;
  a.status = ag::Status::active;
  a.mode = ag::Mode::shadow;
  a.valid_until = at("2027-04-01");
  for (const char* agency : {"provider.lvws", "police.met"}) {
    ag::Party p;
    p.agency = agency;
    a.parties.push_back(p);
  }
  const VersionInput v = version_input(a, "met-lvws-referral.yaml", "text bytes\n");
  EXPECT_EQ(v.ref.agreement, "met-lvws-referral");
  EXPECT_EQ(v.ref.version, 3);
  EXPECT_EQ(v.ref.content_hash, content_hash("text bytes\n"));
  EXPECT_EQ(v.ref.parties, (std::vector<std::string>{"provider.lvws", "police.met"}));
  EXPECT_EQ(v.file, "met-lvws-referral.yaml");
  EXPECT_EQ(v.declared, ag::Status::active);
  EXPECT_EQ(v.mode, ag::Mode::shadow);
  EXPECT_EQ(v.valid_until, at("2027-04-01"));
}

TEST(LifecycleStates, Names) {
  EXPECT_EQ(to_string(State::draft), "draft");
  EXPECT_EQ(to_string(State::awaiting_signatures), "awaiting_signatures");
  EXPECT_EQ(to_string(State::active), "active");
  EXPECT_EQ(to_string(State::suspended), "suspended");
  EXPECT_EQ(to_string(State::expired), "expired");
  EXPECT_EQ(to_string(State::shadow), "shadow");
  EXPECT_EQ(to_string(State::version_reused), "version_reused");
}

}  // namespace
}  // namespace accord::governance
