// encode(): canonical golden output, and decode(encode(e)) == e over generated envelopes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "accord/envelope/codec.hpp"
#include "test_support.hpp"

namespace accord::envelope {
namespace {

using test::vocabulary;

TEST(EnvelopeEncodeTest, CanonicalFormIsFixed) {
  Envelope e;
  e.id = "msg-1";
  e.type = "hearing.listed";
  e.case_ref = {"01AB1234521", "police.met"};
  e.subject = {"victim", "V-1"};
  e.occurred_at = "2026-11-20T09:30:00+01:00";
  e.classification = "OFFICIAL-SENSITIVE [PERSONAL]";
  e.data = {{"a-b.c", "1"}, {"a.b.c", R"("x")"}, {"a.b.d", "[1,{}]"}, {"a.e", "{}"}, {"z", "null"}};
  EXPECT_EQ(encode(e),
            R"({"id":"msg-1","type":"hearing.listed","case":{"urn":"01AB1234521","owner":)"
            R"("police.met"},"subject":{"role":"victim","ref":"V-1"},"occurred_at":)"
            R"("2026-11-20T09:30:00+01:00","classification":"OFFICIAL-SENSITIVE [PERSONAL]",)"
            R"("data":{"a-b":{"c":1},"a":{"b":{"c":"x","d":[1,{}]},"e":{}},"z":null}})");
  auto back = decode(encode(e), vocabulary());
  ASSERT_TRUE(back.ok()) << back.error().code << " " << back.error().path;
  EXPECT_EQ(*back, e);
}

TEST(EnvelopeEncodeTest, EmptyDataIsAnEmptyObject) {
  Envelope e{"i",
             "crime.recorded",
             {"X", "police.kent"},
             {"witness", "W"},
             "2026-01-01T00:00:00Z",
             "OFFICIAL",
             {}};
  EXPECT_TRUE(encode(e).ends_with(R"("data":{}})"));
}

TEST(EnvelopeEncodeTest, UnsortedFieldsAreEncodedInSortedOrder) {
  Envelope e{"i",
             "crime.recorded",
             {"X", "police.kent"},
             {"witness", "W"},
             "2026-01-01T00:00:00Z",
             "OFFICIAL",
             {{"b", "2"}, {"a.x", "1"}, {"a.w", "0"}}};
  EXPECT_TRUE(encode(e).ends_with(R"("data":{"a":{"w":0,"x":1},"b":2}})")) << encode(e);
}

TEST(EnvelopeEncodeTest, ReEncodingTheExampleIsAFixpoint) {
  auto first = decode(test::read_file("tests/data/envelope/referral_created.json"), vocabulary());
  ASSERT_TRUE(first.ok());
  std::string canonical = encode(*first);
  auto second = decode(canonical, vocabulary());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, *first);
  EXPECT_EQ(encode(*second), canonical);
}

// Random valid envelopes written with random formatting by nlohmann::json.
class Generator {
 public:
  explicit Generator(std::uint32_t seed) : rng_(seed) {}

  std::string envelope_text() {
    nlohmann::ordered_json j;
    const auto& types = vocabulary().all();
    auto type = std::next(types.begin(), static_cast<long>(pick(types.size())));
    j["id"] = token("ABCxyz019._:-", 1 + pick(128));
    j["type"] = type->first;
    j["case"] = {{"urn", token("AZaz09/._-", 1 + pick(64))},
                 {"owner", token("abz09-", 1 + pick(8)) + "." + token("abz09-", 1 + pick(8))}};
    static const char* kRoles[] = {"victim",    "witness",  "bereaved_relative", "suspect",
                                   "defendant", "offender", "parent_or_guardian"};
    j["subject"] = {{"role", kRoles[pick(7)]}, {"ref", token("ABCxyz019._:-", 1 + pick(64))}};
    j["occurred_at"] = pick(2) ? "2024-02-29T23:59:59.5Z" : "2026-11-20T09:30:00-05:30";
    static const char* kClasses[] = {"OFFICIAL", "OFFICIAL-SENSITIVE",
                                     "OFFICIAL-SENSITIVE [PERSONAL] [UK EYES-ONLY]"};
    j["classification"] = kClasses[pick(3)];
    j["data"] = object(0);
    int indent = static_cast<int>(pick(3)) - 1;  // -1 (minified), 0 or 1
    return j.dump(indent);
  }

 private:
  std::size_t pick(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }

  std::string token(std::string_view alphabet, std::size_t length) {
    std::string out;
    for (std::size_t i = 0; i < length; ++i) out += alphabet[pick(alphabet.size())];
    return out;
  }

  std::string text() {
    static const char* kPieces[] = {"a",  "Z",  " ",    "\"",           "\\",   "/",
                                    "\n", "\t", "\x01", "\x1f",         "\x7f", "é",
                                    "€",  "😀",  "Zoë",  "07700 900123", "<b>",  "'"};
    std::string out;
    for (std::size_t n = pick(6); n > 0; --n) out += kPieces[pick(std::size(kPieces))];
    return out;
  }

  nlohmann::ordered_json scalar() {
    switch (pick(7)) {
      case 0:
        return text();
      case 1:
        return static_cast<std::int64_t>(rng_()) - (1LL << 31) * static_cast<std::int64_t>(rng_());
      case 2:
        return std::uint64_t{18446744073709551615ULL} - pick(1000);
      case 3: {
        double d = std::uniform_real_distribution<double>(-1e12, 1e12)(rng_);
        return pick(2) ? d : d * 1e-300;
      }
      case 4:
        return pick(2) == 1;
      case 5:
        return nullptr;
      default:
        return nlohmann::ordered_json::object();
    }
  }

  nlohmann::ordered_json array(int depth) {
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    for (std::size_t n = pick(4); n > 0; --n) {
      if (depth < 4 && pick(4) == 0) {
        a.push_back(object(depth + 1));
      } else {
        a.push_back(scalar());
      }
    }
    return a;
  }

  nlohmann::ordered_json object(int depth) {
    nlohmann::ordered_json o = nlohmann::ordered_json::object();
    for (std::size_t n = pick(depth == 0 ? 12 : 5); n > 0; --n) {
      std::string key = token("abcXYZ019_-", 1 + pick(depth == 0 ? 3 : 2));
      std::size_t what = pick(5);
      if (what == 0 && depth < 5) {
        o[key] = object(depth + 1);
      } else if (what == 1 && depth < 5) {
        o[key] = array(depth + 1);
      } else {
        o[key] = scalar();
      }
    }
    return o;
  }

  std::mt19937 rng_;
};

TEST(EnvelopeEncodeTest, RoundTripPropertyOverGeneratedEnvelopes) {
  Generator generator(20261120);
  for (int i = 0; i < 3000; ++i) {
    std::string text = generator.envelope_text();
    auto decoded = decode(text, vocabulary());
    ASSERT_TRUE(decoded.ok()) << decoded.error().code << " at " << decoded.error().path << "\n"
                              << text;
    std::string canonical = encode(*decoded);
    auto again = decode(canonical, vocabulary());
    ASSERT_TRUE(again.ok()) << again.error().code << "\n" << canonical;
    ASSERT_EQ(*again, *decoded) << text << "\n" << canonical;
    ASSERT_EQ(encode(*again), canonical);
    // The canonical form is what a general-purpose parser reads back as the same document.
    ASSERT_EQ(nlohmann::json::parse(canonical), nlohmann::json::parse(text)) << text;
  }
}

}  // namespace
}  // namespace accord::envelope
