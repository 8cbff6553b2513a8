// Property: whatever the agreements and the envelope, a transformed copy holds only fields its
// decision grants (share, mask, generalise, pseudonymise, encrypt), each in that form, and the
// decision's per-field action is what a brute-force reading of the rules says.
#include <gtest/gtest.h>

#include <random>

#include "accord/agreements/transform.hpp"
#include "fixtures.hpp"

namespace accord::agreements {
namespace {

const Instant kNow = testing::at("2026-06-01T12:00:00Z");

const std::vector<std::string> kPatterns = {"data.*",
                                            "data.victim.*",
                                            "data.victim.contact.*",
                                            "data.victim.dob",
                                            "data.victim.postcode",
                                            "data.victim.contact.phone",
                                            "data.offence.*",
                                            "data.offence.category",
                                            "data.needs.*",
                                            "data.consent.referral",
                                            "data.victim"};
const std::vector<std::string> kPaths = {"victim.contact.phone",
                                         "victim.contact.email",
                                         "victim.dob",
                                         "victim.postcode",
                                         "offence.category",
                                         "offence.date",
                                         "needs.safety",
                                         "consent.referral",
                                         "officer.collar",
                                         "victimx",
                                         "victim.contact.safe_times"};
const std::vector<std::string> kValues = {
    "\"07700 900123\"",   "\"1987-03-14\"", "\"SE1 7XX\"",   "true", "false", "42",
    "\"sexual_offence\"", "\"burglary\"",   "[\"a\",\"b\"]", "{}",   "\"\"",  "null"};
const std::vector<std::string> kAgencies = {"police.met", "provider.lvws", "provider.survivors-uk",
                                            "cps.london"};

Agreement random_agreement(std::mt19937& rng, int n) {
  auto pick = [&](const auto& v) { return v[rng() % v.size()]; };
  Agreement a = testing::load(testing::base_yaml());
  a.id = "random-" + std::to_string(n);
  a.status = rng() % 5 == 0 ? Status::suspended : Status::active;
  a.mode = rng() % 6 == 0 ? Mode::shadow : Mode::enforce;
  a.provider = pick(kAgencies);
  a.recipients.clear();
  for (const auto& r : kAgencies) {
    if (r != a.provider && rng() % 2) a.recipients.push_back(r);
  }
  if (a.recipients.empty())
    a.recipients.push_back(a.provider == "cps.london" ? "police.met" : "cps.london");
  a.flows.clear();
  const int flows = 1 + static_cast<int>(rng() % 3);
  for (int f = 0; f < flows; ++f) {
    Flow flow;
    flow.name = "f" + std::to_string(f);
    flow.events = {rng() % 4 ? "referral.created" : "suspect.arrested"};
    if (rng() % 3 == 0) {
      Condition c;
      c.fact = rng() % 2 ? "data.consent.referral" : "data.offence.category";
      c.op = rng() % 2 ? Op::equals : Op::in;
      c.values = {pick(kValues)};
      flow.when.push_back(c);
    }
    std::vector<std::string> used;
    const int rules = static_cast<int>(rng() % 6);
    for (int r = 0; r < rules; ++r) {
      FieldRule rule;
      rule.pattern = pick(kPatterns);
      if (std::find(used.begin(), used.end(), rule.pattern) != used.end()) continue;
      used.push_back(rule.pattern);
      rule.wildcard = rule.pattern.back() == '*';
      rule.prefix = rule.pattern == "data.*" ? ""
                    : rule.wildcard          ? rule.pattern.substr(5, rule.pattern.size() - 7)
                                             : rule.pattern.substr(5);
      rule.action = static_cast<Action>(rng() % 6);
      rule.to = static_cast<Generalisation>(rng() % 4);
      rule.keep_last = static_cast<int>(rng() % 6);
      flow.fields.push_back(rule);
    }
    a.flows.push_back(std::move(flow));
  }
  return a;
}

// The brute-force reading of a flow's rules for one path.
const FieldRule* oracle(const Flow& flow, const std::string& path) {
  const FieldRule* best = nullptr;
  for (const FieldRule& r : flow.fields) {
    if (!path_matches(path, r.prefix, r.wildcard)) continue;
    if (!r.wildcard) return &r;
    if (!best || r.prefix.size() > best->prefix.size()) best = &r;
  }
  return best;
}

TEST(Property, CopiesHoldOnlyGrantedFieldsInTheirGrantedForm) {
  std::mt19937 rng(20261122);
  const std::vector<unsigned char> key(kPseudonymKeyBytes, 3);
  const FieldEncryptor enc = [](const envelope::Field&) -> Result<std::string> {
    return std::string("{\"alg\":\"test\"}");
  };
  std::size_t allowed = 0, fields_out = 0, denied = 0;
  for (int round = 0; round < 200; ++round) {
    std::vector<Agreement> agreements;
    const int n = 1 + static_cast<int>(rng() % 8);
    for (int i = 0; i < n; ++i) agreements.push_back(random_agreement(rng, i));
    const AgreementSet set(std::move(agreements));
    for (int m = 0; m < 20; ++m) {
      std::vector<std::pair<std::string, std::string>> fields;
      for (const auto& p : kPaths) {
        if (rng() % 2) fields.emplace_back(p, kValues[rng() % kValues.size()]);
      }
      const auto e =
          testing::make_envelope(rng() % 4 ? "referral.created" : "suspect.arrested", fields);
      const std::string sender = kAgencies[rng() % kAgencies.size()];
      for (const std::string& recipient : kAgencies) {
        const Decision d = decide(e, sender, recipient, set, kNow);
        ASSERT_EQ(d.fields.size(), e.data.size());
        auto with_enc = transform(e, d, {key});
        const auto without = transform(e, d, {key});  // stays unsealed: placeholders only
        if (!d.allowed) {
          ++denied;
          EXPECT_FALSE(with_enc.ok());
          EXPECT_FALSE(without.ok());
          for (const auto& f : d.fields) EXPECT_EQ(f.action, Action::drop);
          continue;
        }
        ++allowed;
        ASSERT_NE(d.agreement, nullptr);
        EXPECT_EQ(d.agreement->mode, Mode::enforce);
        EXPECT_TRUE(d.agreement->in_force(kNow));
        EXPECT_EQ(d.agreement->provider, sender);
        const Flow* flow = nullptr;
        for (const Flow& f : d.agreement->flows) {
          if (f.name == d.flow) flow = &f;
        }
        ASSERT_NE(flow, nullptr);
        for (std::size_t i = 0; i < d.fields.size(); ++i) {
          const FieldRule* want = oracle(*flow, d.fields[i].path);
          EXPECT_EQ(d.fields[i].rule, want) << d.fields[i].path;
          EXPECT_EQ(d.fields[i].action, want ? want->action : Action::drop);
        }
        ASSERT_TRUE(without.ok()) << without.error().message;
        EXPECT_EQ(without.value().to_seal.empty(), !d.requires_encryption);
        // Unsealed, a field to encrypt holds the placeholder: its value is nowhere in the copy.
        for (const auto& s : without.value().to_seal) {
          EXPECT_EQ(without.value().copy.data.at(s.index).json, kSealPlaceholder)
              << s.plaintext.path;
          const auto* in = e.find(s.plaintext.path);
          ASSERT_NE(in, nullptr);
          EXPECT_EQ(s.plaintext.json, in->json);
        }
        ASSERT_TRUE(with_enc.ok()) << with_enc.error().message;
        ASSERT_TRUE(seal_fields(with_enc.value().copy, with_enc.value().to_seal, enc).ok());
        const Transformed& t = with_enc.value();
        std::size_t granted = 0;
        for (const auto& f : d.fields) granted += f.action != Action::drop;
        EXPECT_EQ(t.copy.data.size() + t.withheld.size(), granted);
        for (const envelope::Field& out : t.copy.data) {
          ++fields_out;
          const auto it = std::find_if(d.fields.begin(), d.fields.end(),
                                       [&](const FieldDecision& f) { return f.path == out.path; });
          ASSERT_NE(it, d.fields.end()) << out.path << " is not in the envelope";
          EXPECT_NE(it->action, Action::drop) << out.path << " was dropped but delivered";
          const envelope::Field* in = e.find(out.path);
          ASSERT_NE(in, nullptr);
          if (it->action == Action::share) {
            EXPECT_EQ(out.json, in->json);
          }
          if (it->action == Action::encrypt) {
            EXPECT_EQ(out.json, "{\"alg\":\"test\"}");
          }
          if (it->action == Action::pseudonymise) {
            EXPECT_EQ(out.json.substr(0, 5), "\"ps1:");
          }
          if (it->action == Action::mask) {
            EXPECT_EQ(out.json.front(), '"');
          }
        }
      }
    }
  }
  // The generator must exercise both outcomes, or the property proves nothing.
  EXPECT_GT(allowed, 500u);
  EXPECT_GT(denied, 500u);
  EXPECT_GT(fields_out, 1000u);
}

}  // namespace
}  // namespace accord::agreements
