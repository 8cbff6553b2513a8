// Generated envelopes are what the gateway accepts: they decode against the real vocabulary
// with the strict codec, the sample agreements let police.met share each of them with at
// least one recipient without field encryption, they are exactly the requested size, and ids
// never repeat. Bad generator options are refused.
#include "accord/bench/envelope_gen.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "accord/agreements/agreement_set.hpp"
#include "accord/agreements/decision.hpp"
#include "accord/agreements/loader.hpp"
#include "accord/agreements/time.hpp"
#include "accord/envelope/codec.hpp"

namespace accord::bench {
namespace {

std::string read(const std::string& relative) {
  const char* root = std::getenv("ACCORD_SOURCE_DIR");
  std::ifstream in(std::string(root ? root : ".") + "/" + relative, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const envelope::Vocabulary& vocabulary() {
  static const envelope::Vocabulary v = [] {
    auto parsed = envelope::Vocabulary::parse(read("config/vocabulary.yaml"));
    if (!parsed) std::abort();
    return *parsed;
  }();
  return v;
}

const agreements::AgreementSet& sample_agreements() {
  static const agreements::AgreementSet set = [] {
    std::vector<agreements::SourceText> sources;
    const char* root = std::getenv("ACCORD_SOURCE_DIR");
    for (const auto& e : std::filesystem::directory_iterator(std::string(root ? root : ".") +
                                                             "/config/agreements")) {
      if (e.path().extension() != ".yaml") continue;
      sources.push_back(
          {e.path().string(), read("config/agreements/" + e.path().filename().string())});
    }
    auto loaded = agreements::parse_all(sources);
    if (!loaded.diagnostics.empty() || loaded.agreements.empty()) std::abort();
    return agreements::AgreementSet(std::move(loaded.agreements));
  }();
  return set;
}

EnvelopeGenerator generator(std::size_t target = 1024) {
  GeneratorOptions o;
  o.run_id = "bench-test-1";
  o.target_bytes = target;
  auto g = EnvelopeGenerator::create(o);
  if (!g) std::abort();
  return std::move(g.value());
}

TEST(BenchEnvelopeGen, EveryTypeDecodesAndIsSharedWithoutEncryption) {
  const auto now = *agreements::parse_instant("2026-11-22T09:00:00Z");
  const EnvelopeGenerator g = generator();
  const auto& types = default_event_types();
  ASSERT_GE(types.size(), 3u);
  // Several rounds, so the hashed field values vary within each type.
  for (std::uint64_t seq = 0; seq < types.size() * 25; ++seq) {
    const std::string body = g.make(seq);
    auto decoded = envelope::decode(body, vocabulary());
    ASSERT_TRUE(decoded.ok()) << decoded.error().code << " " << decoded.error().message << " at "
                              << decoded.error().path << "\n"
                              << body;
    const envelope::Envelope& e = decoded.value();
    EXPECT_EQ(e.id, "bench-test-1-" + std::to_string(seq));
    EXPECT_EQ(e.type, types[seq % types.size()]);
    EXPECT_EQ(e.case_ref.owner, "police.met");
    ASSERT_NE(e.find("update.summary"), nullptr);

    const auto recipients = agreements::recipients_for(e, "police.met", sample_agreements(), now);
    int allowed = 0;
    for (const auto& r : recipients) {
      const auto d = agreements::decide(e, "police.met", r, sample_agreements(), now);
      allowed += d.allowed && !d.requires_encryption;
    }
    EXPECT_GE(allowed, 1) << e.type << ": no recipient may receive it";
  }
}

TEST(BenchEnvelopeGen, MatchesTheIntegrationSampleShape) {
  const auto sample =
      envelope::decode(read("tests/data/integration/suspect_arrested.json"), vocabulary());
  ASSERT_TRUE(sample.ok());
  const auto ours = envelope::decode(generator().make(0), vocabulary());  // suspect.arrested
  ASSERT_TRUE(ours.ok());
  ASSERT_EQ(ours->type, sample->type);
  for (const auto& f : sample->data) {
    EXPECT_NE(ours->find(f.path), nullptr) << "missing " << f.path;
  }
}

class BenchEnvelopeSize : public ::testing::TestWithParam<std::size_t> {};

TEST_P(BenchEnvelopeSize, ExactlyTheTargetWhenItFits) {
  const EnvelopeGenerator g = generator(GetParam());
  for (std::uint64_t seq = 0; seq < 64; ++seq) {
    const std::string body = g.make(seq);
    if (GetParam() >= 1024) {
      EXPECT_EQ(body.size(), GetParam()) << seq;
    } else {
      EXPECT_GT(body.size(), GetParam()) << "small targets cannot be met; minimal padding";
    }
    EXPECT_TRUE(envelope::decode(body, vocabulary()).ok()) << body;
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, BenchEnvelopeSize, ::testing::Values(0, 100, 1024, 2048, 16384));

TEST(BenchEnvelopeGen, IdsAreUniqueAndDeterministic) {
  const EnvelopeGenerator g = generator();
  std::set<std::string> ids;
  for (std::uint64_t seq = 0; seq < 5000; ++seq) ids.insert(g.id_for(seq));
  EXPECT_EQ(ids.size(), 5000u);
  EXPECT_EQ(g.make(42), generator().make(42));
  EXPECT_NE(g.make(42), g.make(43));
}

// --workload referral: every message is a referral that met-lvws-referral grants to
// provider.lvws only, with its five contact fields to encrypt present.
TEST(BenchEnvelopeGen, ReferralWorkloadIsSharedWithLvwsWithEncryptedFields) {
  const auto now = *agreements::parse_instant("2026-11-22T09:00:00Z");
  GeneratorOptions o;
  o.run_id = "bench-ref-1";
  o.workload = Workload::referral;
  auto g = EnvelopeGenerator::create(o);
  ASSERT_TRUE(g.ok());
  for (std::uint64_t seq = 0; seq < 100; ++seq) {
    const std::string body = g->make(seq);
    EXPECT_EQ(body.size(), 1024u) << seq;
    auto decoded = envelope::decode(body, vocabulary());
    ASSERT_TRUE(decoded.ok()) << decoded.error().message << " at " << decoded.error().path;
    const envelope::Envelope& e = decoded.value();
    EXPECT_EQ(e.type, "referral.created");
    for (const char* path :
         {"victim.contact.phone", "victim.contact.email", "victim.contact.safe_times",
          "victim.contact.do_not_leave_messages", "victim.contact.do_not_contact_by"}) {
      EXPECT_NE(e.find(path), nullptr) << path;
    }
    std::vector<std::string> granted;
    for (const auto& r : agreements::recipients_for(e, "police.met", sample_agreements(), now)) {
      const auto d = agreements::decide(e, "police.met", r, sample_agreements(), now);
      if (!d.allowed) continue;
      granted.push_back(r);
      EXPECT_TRUE(d.requires_encryption) << r;
    }
    EXPECT_EQ(granted, std::vector<std::string>{"provider.lvws"}) << body;
  }
  o.event_types = {"charge.decided"};
  const auto mixed = EnvelopeGenerator::create(o);
  ASSERT_FALSE(mixed.ok());
  EXPECT_EQ(mixed.error().path, "event_types");
}

struct BadOptions {
  const char* name;
  GeneratorOptions options;
  const char* path;
};

TEST(BenchEnvelopeGen, RefusesBadOptions) {
  const std::vector<BadOptions> rows = {
      {"empty run id", {"", "police.met", {}, 1024}, "run_id"},
      {"space in run id", {"bench run", "police.met", {}, 1024}, "run_id"},
      {"slash in run id", {"bench/1", "police.met", {}, 1024}, "run_id"},
      {"run id too long", {std::string(65, 'a'), "police.met", {}, 1024}, "run_id"},
      {"unknown type", {"r1", "police.met", {"hearing.listed"}, 1024}, "event_types"},
      {"referral needs consent", {"r1", "police.met", {"referral.created"}, 1024}, "event_types"},
  };
  for (const auto& row : rows) {
    const auto g = EnvelopeGenerator::create(row.options);
    ASSERT_FALSE(g.ok()) << row.name;
    EXPECT_EQ(g.error().code, "invalid_argument") << row.name;
    EXPECT_EQ(g.error().path, row.path) << row.name;
  }
  GeneratorOptions ok{std::string(64, 'a'), "police.met", {"charge.decided"}, 1024};
  ASSERT_TRUE(EnvelopeGenerator::create(ok).ok());
  EXPECT_NE(EnvelopeGenerator::create(ok)->make(7).find("\"charge.decided\""), std::string::npos);
}

}  // namespace
}  // namespace accord::bench
