// Decision cost as the agreement set grows: 10, 1,000 and 10,000 agreements among 1,000
// agencies. The index makes a decision depend on the flows of its own route only, so the
// figures should be flat (target: 10,000 within 1.2x of 10). BM_Decide builds Agreement values
// directly; BM_DecideLoaded writes each agreement as YAML and loads it through the real loader
// (parse_all), so the set is exactly what a gateway would hold.
// Run: build-*/bench/policy/bench_policy
#include <benchmark/benchmark.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "accord/agreements/decision.hpp"
#include "accord/agreements/loader.hpp"
#include "accord/agreements/transform.hpp"

namespace {

using namespace accord::agreements;
using accord::envelope::Envelope;
using accord::envelope::Field;

const Instant kNow = *parse_instant("2026-06-01T12:00:00Z");

FieldRule rule(std::string pattern, Action action) {
  FieldRule r;
  r.pattern = pattern;
  r.wildcard = pattern.back() == '*';
  r.prefix = pattern == "data.*" ? ""
             : r.wildcard        ? pattern.substr(5, pattern.size() - 7)
                                 : pattern.substr(5);
  r.action = action;
  r.to = Generalisation::age_band;
  return r;
}

Agreement make(std::string id, std::string provider, std::string recipient) {
  Agreement a;
  a.id = std::move(id);
  a.version = 1;
  a.status = Status::active;
  a.provider = std::move(provider);
  a.recipients = {std::move(recipient)};
  a.valid_from = *parse_instant("2026-01-01");
  a.valid_until = *parse_instant("2027-01-01");
  Flow f;
  f.name = "referral";
  f.events = {"referral.created", "suspect.arrested", "charge.decided"};
  Condition c;
  c.fact = "data.consent.referral";
  c.op = Op::in;
  c.values = {"\"explicit\"", "\"opt_out_not_exercised\""};
  f.when = {c};
  f.fields = {rule("data.victim.contact.*", Action::encrypt),
              rule("data.victim.dob", Action::generalise),
              rule("data.victim.postcode", Action::share),
              rule("data.offence.*", Action::share),
              rule("data.needs.*", Action::share),
              rule("data.consent.*", Action::share),
              rule("data.enhanced_rights.eligible", Action::share),
              rule("data.offence.crime_reference", Action::pseudonymise)};
  a.flows = {f};
  return a;
}

// 1,000 agencies; `n` agreements between random pairs, plus the measured route.
const AgreementSet& set_of(std::size_t n) {
  static std::map<std::size_t, AgreementSet> cache;
  auto it = cache.find(n);
  if (it != cache.end()) return it->second;
  std::mt19937 rng(42);
  std::vector<Agreement> v;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    v.push_back(make("a-" + std::to_string(i), "police.f" + std::to_string(rng() % 500),
                     "provider.p" + std::to_string(rng() % 500)));
  }
  v.push_back(make("met-lvws", "police.met", "provider.lvws"));
  return cache.emplace(n, AgreementSet(std::move(v))).first->second;
}

Envelope referral() {
  Envelope e;
  e.id = "met-ref-1";
  e.type = "referral.created";
  e.case_ref = {"01MP0041726", "police.met"};
  e.subject = {"victim", "V-7F3A91C2"};
  e.occurred_at = "2026-11-20T09:30:00Z";
  e.classification = "OFFICIAL-SENSITIVE [PERSONAL]";
  e.data = {{"consent.onward_sharing", "false"},
            {"consent.recorded_at", "\"2026-11-20T09:25:00Z\""},
            {"consent.referral", "\"explicit\""},
            {"enhanced_rights.assessed_by", "\"PC 4417\""},
            {"enhanced_rights.eligible", "true"},
            {"enhanced_rights.reason", "\"persistently_targeted\""},
            {"needs.emotional_support", "true"},
            {"needs.safety", "\"high\""},
            {"offence.category", "\"burglary_dwelling\""},
            {"offence.crime_reference", "\"MP/2026/4417\""},
            {"offence.date", "\"2026-11-19\""},
            {"officer.collar", "\"PC 4417\""},
            {"victim.contact.phone", "\"07700 900123\""},
            {"victim.contact.safe_times", "[\"Mon-Fri 10:00-12:00\"]"},
            {"victim.dob", "\"1987-03-14\""},
            {"victim.postcode", "\"SE1 7XX\""}};
  return e;
}

void BM_Decide(benchmark::State& state) {
  const AgreementSet& set = set_of(static_cast<std::size_t>(state.range(0)));
  const Envelope e = referral();
  for (auto _ : state) {
    Decision d = decide(e, "police.met", "provider.lvws", set, kNow);
    if (!d.allowed) state.SkipWithError("denied");
    benchmark::DoNotOptimize(d);
  }
  state.counters["decisions/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Decide)->Arg(10)->Arg(1000)->Arg(10000);

void BM_RecipientsFor(benchmark::State& state) {
  const AgreementSet& set = set_of(static_cast<std::size_t>(state.range(0)));
  const Envelope e = referral();
  for (auto _ : state) benchmark::DoNotOptimize(recipients_for(e, "police.met", set, kNow));
}
BENCHMARK(BM_RecipientsFor)->Arg(10)->Arg(10000);

void BM_DecideAndTransform(benchmark::State& state) {
  const AgreementSet& set = set_of(10000);
  const Envelope e = referral();
  const std::vector<unsigned char> key(kPseudonymKeyBytes, 1);
  const FieldEncryptor enc = [](const Field&) -> accord::Result<std::string> {
    return std::string("{}");
  };
  for (auto _ : state) {
    const Decision d = decide(e, "police.met", "provider.lvws", set, kNow);
    auto t = transform(e, d, {key});
    if (t.ok()) benchmark::DoNotOptimize(seal_fields(t.value().copy, t.value().to_seal, enc));
    benchmark::DoNotOptimize(t);
  }
}
BENCHMARK(BM_DecideAndTransform);

// An agreement file in the shape of config/agreements/met-wcu-victim-updates.yaml.
std::string agreement_yaml(const std::string& id, const std::string& provider,
                           const std::string& recipient) {
  return "id: " + id + R"y(
version: 1
title: Generated victim updates
status: active
provider: )y" +
         provider + R"y(
recipients: [)y" +
         recipient + R"y(]
parties:
  - {agency: )y" +
         provider + R"y(, role: controller, competent_authority: true}
  - {agency: )y" +
         recipient + R"y(, role: controller, competent_authority: true}
purpose: Keep the recipient informed of arrests, releases, bail and charge.
victims_code_right: "Right 6: to be informed about the investigation and prosecution"
lawful_basis:
  dpa_part3: "DPA 2018 s.31 law enforcement purposes"
  dpa_part3_sensitive: "DPA 2018 s.35(5) and Sch 8 para 1 (statutory purposes)"
valid_from: 2026-04-01
valid_until: 2029-04-01
review_by: 2027-09-30
retention:
  - {agency: )y" +
         recipient + R"y(, period: P1Y, trigger: case_closed, disposal: secure deletion}
onward_sharing: prohibited
max_classification: OFFICIAL-SENSITIVE
breach_contact: dpo@example.org
signatories:
  - {name: A. Example, role: SIRO, agency: )y" +
         provider + R"y(, signed_on: 2026-03-20}
dpia_ref: DPIA-GEN-1
flows:
  - name: victim-updates
    events: [suspect.arrested, suspect.interviewed, suspect.released,
             bail.conditions_changed, charge.decided, case.charged_handover, investigation.closed]
    fields:
      data.*: share
      data.victim.contact.phone: {action: mask, keep_last: 3}
      data.victim.dob: {action: generalise, to: year}
      data.needs.*: drop
      data.officer.*: drop
)y";
}

// `n` agreements loaded from YAML: n - 1 between random pairs of 1,000 agencies (a tenth of
// them from police.met to other recipients, so the sender's own routes grow too), plus
// police.met -> wcu.met, the measured route.
const AgreementSet& loaded_set_of(std::size_t n) {
  static std::map<std::size_t, AgreementSet> cache;
  auto it = cache.find(n);
  if (it != cache.end()) return it->second;
  std::mt19937 rng(7);
  std::vector<SourceText> sources;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    const std::string provider =
        i % 10 == 0 ? "police.met" : "police.f" + std::to_string(rng() % 500);
    sources.push_back({"gen-" + std::to_string(i) + ".yaml",
                       agreement_yaml("gen-" + std::to_string(i), provider,
                                      "provider.p" + std::to_string(rng() % 500))});
  }
  sources.push_back({"met-wcu.yaml", agreement_yaml("met-wcu", "police.met", "wcu.met")});
  LoadedSet loaded = parse_all(sources);
  if (loaded.agreements.size() != n) std::abort();  // a generated file failed to load
  return cache.emplace(n, AgreementSet(std::move(loaded.agreements))).first->second;
}

void BM_DecideLoaded(benchmark::State& state) {
  const AgreementSet& set = loaded_set_of(static_cast<std::size_t>(state.range(0)));
  Envelope e = referral();
  e.type = "suspect.arrested";
  for (auto _ : state) {
    Decision d = decide(e, "police.met", "wcu.met", set, kNow);
    if (!d.allowed) state.SkipWithError("denied");
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_DecideLoaded)->Arg(10)->Arg(1000)->Arg(10000);

}  // namespace

BENCHMARK_MAIN();
