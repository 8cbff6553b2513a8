#include "accord/agreements/transform.hpp"

#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace accord::agreements {
namespace {

using testing::make_envelope;

const Instant kNow = testing::at("2026-06-01T12:00:00Z");
const std::vector<unsigned char> kKeyA(kPseudonymKeyBytes, 0xA1);
const std::vector<unsigned char> kKeyB(kPseudonymKeyBytes, 0xB2);

// Runs one field through decide + transform under a one-rule flow.
Result<Transformed> run(const std::string& rule, const std::string& json,
                        const TransformKeys& keys = {kKeyA}) {
  const AgreementSet set({testing::load(testing::with_flows(
      "  - name: f\n    events: [referral.created]\n    fields:\n      data.x: " + rule + "\n"))});
  const auto e = make_envelope("referral.created", {{"x", json}, {"y", "\"dropped\""}});
  const Decision d = decide(e, "police.met", "provider.lvws", set, kNow);
  EXPECT_TRUE(d.allowed);
  return transform(e, d, keys);
}

struct ActionRow {
  const char* name;
  const char* rule;
  const char* input;
  const char* output;  // nullptr: withheld
};

class Actions : public ::testing::TestWithParam<ActionRow> {};

TEST_P(Actions, ExactOutput) {
  const ActionRow& row = GetParam();
  const auto r = run(row.rule, row.input);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Transformed& t = r.value();
  // The unnamed field y is always dropped; header fields are copied.
  EXPECT_EQ(t.copy.find("y"), nullptr);
  EXPECT_EQ(t.copy.id, "msg-1");
  EXPECT_EQ(t.copy.occurred_at, "2026-11-20T09:30:00Z");
  if (row.output) {
    ASSERT_EQ(t.copy.data.size(), 1u);
    EXPECT_EQ(t.copy.data[0].path, "x");
    EXPECT_EQ(t.copy.data[0].json, row.output);
    EXPECT_TRUE(t.withheld.empty());
  } else {
    EXPECT_TRUE(t.copy.data.empty());
    EXPECT_EQ(t.withheld, std::vector<std::string>{"x"});
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rows, Actions,
    ::testing::Values(
        ActionRow{"share_string", "share", "\"07700 900123\"", "\"07700 900123\""},
        ActionRow{"share_array", "share", "[\"a\",\"b\"]", "[\"a\",\"b\"]"},
        ActionRow{"mask_phone", "mask", "\"07700 900123\"", "\"********0123\""},
        ActionRow{"mask_keep_2", "{action: mask, keep_last: 2}", "\"AB123456\"", "\"******56\""},
        ActionRow{"mask_keep_0", "{action: mask, keep_last: 0}", "\"secret\"", "\"******\""},
        ActionRow{"mask_short_reveals_at_most_half", "mask", "\"abc\"", "\"**c\""},
        ActionRow{"mask_one_char", "mask", "\"a\"", "\"*\""},
        ActionRow{"mask_empty", "mask", "\"\"", "\"\""},
        ActionRow{"mask_number", "mask", "7700900123", "\"******0123\""},
        ActionRow{"mask_utf8", "{action: mask, keep_last: 2}",
                  "\"\xC3\xA9t\xC3\xA9s\xC3\xA9\xC3\xA9\"", "\"****\xC3\xA9\xC3\xA9\""},
        ActionRow{"mask_escaped", "mask", "\"ab\\\"cdefgh\"", "\"*****efgh\""},
        ActionRow{"year", "{action: generalise, to: year}", "\"1987-03-14\"", "\"1987\""},
        ActionRow{"year_from_datetime", "{action: generalise, to: year}",
                  "\"1987-03-14T10:00:00Z\"", "\"1987\""},
        ActionRow{"month", "{action: generalise, to: month}", "\"1987-03-14\"", "\"1987-03\""},
        ActionRow{"age_band", "{action: generalise, to: age_band}", "\"1987-03-14\"", "\"35-49\""},
        ActionRow{"age_band_birthday_on_reference", "{action: generalise, to: age_band}",
                  "\"2008-11-20\"", "\"18-24\""},
        ActionRow{"age_band_day_before_birthday", "{action: generalise, to: age_band}",
                  "\"2008-11-21\"", "\"16-17\""},
        ActionRow{"age_band_child", "{action: generalise, to: age_band}", "\"2020-01-01\"",
                  "\"0-15\""},
        ActionRow{"age_band_oldest", "{action: generalise, to: age_band}", "\"1950-01-01\"",
                  "\"65+\""},
        ActionRow{"age_band_custom", "{action: generalise, to: age_band, bands: [0, 18]}",
                  "\"1987-03-14\"", "\"18+\""},
        ActionRow{"age_band_future_dob", "{action: generalise, to: age_band}", "\"2027-01-01\"",
                  nullptr},
        ActionRow{"date_not_a_date", "{action: generalise, to: year}", "\"soon\"", nullptr},
        ActionRow{"date_not_a_string", "{action: generalise, to: year}", "1987", nullptr},
        ActionRow{"date_impossible", "{action: generalise, to: year}", "\"1987-02-30\"", nullptr},
        ActionRow{"postcode_spaced", "{action: generalise, to: postcode_district}", "\"SE1 7XX\"",
                  "\"SE1\""},
        ActionRow{"postcode_lowercase_unspaced", "{action: generalise, to: postcode_district}",
                  "\"sw1a1aa\"", "\"SW1A\""},
        ActionRow{"postcode_long", "{action: generalise, to: postcode_district}", "\"EC1A 1BB\"",
                  "\"EC1A\""},
        ActionRow{"postcode_short", "{action: generalise, to: postcode_district}", "\"M1 1AE\"",
                  "\"M1\""},
        ActionRow{"postcode_digits", "{action: generalise, to: postcode_district}", "\"12345\"",
                  nullptr},
        ActionRow{"postcode_too_long", "{action: generalise, to: postcode_district}",
                  "\"SW1A 1AAAA\"", nullptr},
        ActionRow{"postcode_symbols", "{action: generalise, to: postcode_district}", "\"SE1-7XX\"",
                  nullptr},
        ActionRow{"postcode_number", "{action: generalise, to: postcode_district}", "12345",
                  nullptr}),
    [](const auto& info) { return std::string(info.param.name); });

// Issue 11 item 6: one rule for every date generalisation (a date later than occurred_at,
// 2026-11-20T09:30:00Z here, is withheld whatever the form), and one date-time grammar, the
// envelope's (upper-case T and Z, no leap second, at most 9 fraction digits).
INSTANTIATE_TEST_SUITE_P(
    DateRules, Actions,
    ::testing::Values(ActionRow{"year_on_reference_day", "{action: generalise, to: year}",
                                "\"2026-11-20\"", "\"2026\""},
                      ActionRow{"year_after_reference", "{action: generalise, to: year}",
                                "\"2026-11-21\"", nullptr},
                      ActionRow{"month_after_reference", "{action: generalise, to: month}",
                                "\"2027-01-01\"", nullptr},
                      ActionRow{"month_datetime_after_reference", "{action: generalise, to: month}",
                                "\"2026-11-21T00:00:00Z\"", nullptr},
                      ActionRow{"month_datetime_before_reference",
                                "{action: generalise, to: month}",
                                "\"2026-11-19T23:59:59.123456789+01:00\"", "\"2026-11\""},
                      ActionRow{"age_band_after_reference", "{action: generalise, to: age_band}",
                                "\"2026-11-21\"", nullptr},
                      ActionRow{"datetime_lowercase_t", "{action: generalise, to: year}",
                                "\"1987-03-14t10:00:00Z\"", nullptr},
                      ActionRow{"datetime_lowercase_z", "{action: generalise, to: year}",
                                "\"1987-03-14T10:00:00z\"", nullptr},
                      ActionRow{"datetime_leap_second", "{action: generalise, to: month}",
                                "\"1987-03-14T23:59:60Z\"", nullptr},
                      ActionRow{"datetime_ten_fraction_digits", "{action: generalise, to: year}",
                                "\"1987-03-14T10:00:00.1234567890Z\"", nullptr},
                      ActionRow{"datetime_space_separator", "{action: generalise, to: year}",
                                "\"1987-03-14 10:00:00Z\"", nullptr},
                      ActionRow{"date_with_trailing_space", "{action: generalise, to: year}",
                                "\"1987-03-14 \"", nullptr}),
    [](const auto& info) { return std::string(info.param.name); });

// The postcode grammar (docs/agreements.md "Postcodes"): outward code, at most one space,
// inward code; the letters the UK format never uses in a position are refused.
INSTANTIATE_TEST_SUITE_P(
    PostcodeGrammar, Actions,
    ::testing::Values(
        ActionRow{"a9_unspaced", "{action: generalise, to: postcode_district}", "\"M11AE\"",
                  "\"M1\""},
        ActionRow{"a99", "{action: generalise, to: postcode_district}", "\"B33 8TH\"", "\"B33\""},
        ActionRow{"aa99", "{action: generalise, to: postcode_district}", "\"CR2 6XH\"", "\"CR2\""},
        ActionRow{"aa9_lower", "{action: generalise, to: postcode_district}", "\"dn55 1pt\"",
                  "\"DN55\""},
        ActionRow{"a9a", "{action: generalise, to: postcode_district}", "\"W1A 0AX\"", "\"W1A\""},
        ActionRow{"aa9a", "{action: generalise, to: postcode_district}", "\"EC1A 1BB\"",
                  "\"EC1A\""},
        ActionRow{"leading_space", "{action: generalise, to: postcode_district}", "\" SE1 7XX\"",
                  nullptr},
        ActionRow{"trailing_space", "{action: generalise, to: postcode_district}", "\"SE1 7XX \"",
                  nullptr},
        ActionRow{"double_space", "{action: generalise, to: postcode_district}", "\"SE1  7XX\"",
                  nullptr},
        ActionRow{"space_inside_inward", "{action: generalise, to: postcode_district}",
                  "\"SE17 XX\"", nullptr},
        ActionRow{"tab", "{action: generalise, to: postcode_district}", "\"SE1\\t7XX\"", nullptr},
        ActionRow{"girobank", "{action: generalise, to: postcode_district}", "\"GIR 0AA\"",
                  nullptr},
        ActionRow{"first_letter_q", "{action: generalise, to: postcode_district}", "\"Q1 1AA\"",
                  nullptr},
        ActionRow{"first_letter_v", "{action: generalise, to: postcode_district}", "\"V1 1AA\"",
                  nullptr},
        ActionRow{"first_letter_x", "{action: generalise, to: postcode_district}", "\"X1 1AA\"",
                  nullptr},
        ActionRow{"second_letter_i", "{action: generalise, to: postcode_district}", "\"AI1 1AA\"",
                  nullptr},
        ActionRow{"second_letter_z", "{action: generalise, to: postcode_district}", "\"AZ1 1AA\"",
                  nullptr},
        ActionRow{"a9a_third_letter_i", "{action: generalise, to: postcode_district}",
                  "\"W1I 0AX\"", nullptr},
        ActionRow{"aa9a_fourth_letter_c", "{action: generalise, to: postcode_district}",
                  "\"EC1C 1BB\"", nullptr},
        ActionRow{"inward_letter_c", "{action: generalise, to: postcode_district}", "\"SE1 7CX\"",
                  nullptr},
        ActionRow{"inward_letter_v", "{action: generalise, to: postcode_district}", "\"SE1 7XV\"",
                  nullptr},
        ActionRow{"three_letters", "{action: generalise, to: postcode_district}", "\"ABC 1AA\"",
                  nullptr},
        ActionRow{"non_ascii_letter", "{action: generalise, to: postcode_district}",
                  "\"S\xC3\x89"
                  "1 7XX\"",
                  nullptr}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Transform, DropRemovesTheField) {
  const auto r = run("drop", "\"x\"");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.value().copy.data.empty());
  EXPECT_TRUE(r.value().withheld.empty());
}

std::string pseudonym(const std::string& json, const std::vector<unsigned char>& key) {
  const auto r = run("pseudonymise", json, {key});
  EXPECT_TRUE(r.ok());
  return r.ok() && !r.value().copy.data.empty() ? r.value().copy.data[0].json : "";
}

TEST(Transform, PseudonymiseIsStablePerRecipientAndUnlinkableAcross) {
  const std::string a1 = pseudonym("\"MP/2026/4417\"", kKeyA);
  EXPECT_EQ(a1.size(), 2 + 4 + 32u);
  EXPECT_EQ(a1.substr(0, 5), "\"ps1:");
  EXPECT_EQ(a1, pseudonym("\"MP/2026/4417\"", kKeyA));  // stable: joinable
  EXPECT_NE(a1, pseudonym("\"MP/2026/4417\"", kKeyB));  // other recipient: unlinkable
  EXPECT_NE(a1, pseudonym("\"MP/2026/4418\"", kKeyA));  // other value
  EXPECT_EQ(a1.find("4417"), std::string::npos);
}

TEST(Transform, PseudonymiseNeedsAKey) {
  for (const std::vector<unsigned char>& key :
       {std::vector<unsigned char>{}, std::vector<unsigned char>(16, 1),
        std::vector<unsigned char>(33, 1)}) {
    const auto r = run("pseudonymise", "\"x\"", {key});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "invalid_key");
  }
}

TEST(Transform, DerivedKeysDifferPerRecipientAndAreStable) {
  const std::vector<unsigned char> master(32, 7);
  const auto a = derive_pseudonym_key(master, "provider.lvws");
  const auto b = derive_pseudonym_key(master, "provider.survivors-uk");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a.value().size(), kPseudonymKeyBytes);
  EXPECT_NE(a.value(), b.value());
  EXPECT_EQ(a.value(), derive_pseudonym_key(master, "provider.lvws").value());
  EXPECT_NE(a.value(),
            derive_pseudonym_key(std::vector<unsigned char>(32, 8), "provider.lvws").value());
  EXPECT_FALSE(derive_pseudonym_key(std::vector<unsigned char>(15, 1), "x").ok());
  EXPECT_FALSE(derive_pseudonym_key(std::vector<unsigned char>(65, 1), "x").ok());
}

TEST(Transform, EncryptLeavesAPlaceholderAndListsTheFieldToSeal) {
  const auto r = run("encrypt", "\"07700 900123\"");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Transformed& t = r.value();
  ASSERT_EQ(t.copy.data.size(), 1u);
  EXPECT_EQ(t.copy.data[0].json, kSealPlaceholder) << "the plaintext must not be in the copy";
  ASSERT_EQ(t.to_seal.size(), 1u);
  EXPECT_EQ(t.to_seal[0].index, 0u);
  EXPECT_EQ(t.to_seal[0].plaintext.path, "x");
  EXPECT_EQ(t.to_seal[0].plaintext.json, "\"07700 900123\"");
}

TEST(Transform, SealFieldsUsesTheEncryptorAndFailsClosed) {
  FieldEncryptor enc = [](const envelope::Field& f) -> Result<std::string> {
    return std::string("{\"enc\":\"") + f.path + "\"}";
  };
  auto r = run("encrypt", "\"07700 900123\"");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(seal_fields(r.value().copy, r.value().to_seal, enc).ok());
  EXPECT_EQ(r.value().copy.data.at(0).json, "{\"enc\":\"x\"}");

  FieldEncryptor failing = [](const envelope::Field&) -> Result<std::string> {
    return make_error("no_key", "recipient has no key");
  };
  auto f = run("encrypt", "\"07700 900123\"");
  ASSERT_TRUE(f.ok());
  const accord::Status failed = seal_fields(f.value().copy, f.value().to_seal, failing);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, "encryption_failed");
  const accord::Status without = seal_fields(f.value().copy, f.value().to_seal, nullptr);
  ASSERT_FALSE(without.ok());
  EXPECT_EQ(without.error().code, "encryption_failed");
}

TEST(Transform, RefusesDeniedOrMismatchedDecisions) {
  const AgreementSet set({testing::load(testing::base_yaml())});
  const auto e = make_envelope("referral.created", {{"offence.category", "\"x\""}});
  const Decision denied = decide(e, "police.met", "cps.london", set, kNow);
  ASSERT_FALSE(denied.allowed);
  EXPECT_EQ(transform(e, denied, {}).error().code, "not_allowed");
  const Decision d = decide(e, "police.met", "provider.lvws", set, kNow);
  const auto other = make_envelope("referral.created", {{"offence.date", "\"x\""}});
  EXPECT_EQ(transform(other, d, {}).error().code, "decision_mismatch");
  const auto longer =
      make_envelope("referral.created", {{"a", "1"}, {"offence.category", "\"x\""}});
  EXPECT_EQ(transform(longer, d, {}).error().code, "decision_mismatch");
}

}  // namespace
}  // namespace accord::agreements
