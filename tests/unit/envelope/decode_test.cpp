// decode(): one row per refusal code and per value rule, plus the accepted forms.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "accord/envelope/codec.hpp"
#include "test_support.hpp"

namespace accord::envelope {
namespace {

using test::envelope_with;
using test::vocabulary;

struct RefusalRow {
  std::string name;
  std::string input;
  std::string code;
  std::string path;
};

std::string nested_arrays(int depth) {
  return std::string(static_cast<std::size_t>(depth), '[') +
         std::string(static_cast<std::size_t>(depth), ']');
}

// n nested objects {"k":{"k":...{"k":1}}}; the innermost holds a scalar.
std::string nested_objects(int depth) {
  std::string out;
  for (int i = 0; i < depth; ++i) out += "{\"k\":";
  out += "1";
  return out + std::string(static_cast<std::size_t>(depth), '}');
}

std::vector<RefusalRow> refusal_rows() {
  return {
      // Lexical and syntactic.
      {"empty_body", "", "invalid_json", ""},
      {"whitespace_only", "  \n ", "invalid_json", ""},
      {"truncated", envelope_with({}).substr(0, 40), "invalid_json", ""},
      {"leading_garbage", "x" + envelope_with({}), "invalid_json", ""},
      {"trailing_garbage", envelope_with({}) + " x", "invalid_json", ""},
      {"two_documents", envelope_with({}) + envelope_with({}), "invalid_json", ""},
      {"byte_order_mark", "\xEF\xBB\xBF" + envelope_with({}), "invalid_json", ""},
      {"single_quotes", "{'id':'x'}", "invalid_json", ""},
      {"trailing_comma", envelope_with({{"data", R"({"a":1,})"}}), "invalid_json", ""},
      {"raw_control_char_in_string", envelope_with({{"data", "{\"a\":\"x\x01y\"}"}}),
       "invalid_json", ""},
      {"lone_surrogate_escape", envelope_with({{"data", R"({"a":"\ud800"})"}}), "invalid_json", ""},
      {"leading_zero_number", envelope_with({{"data", R"({"a":01})"}}), "invalid_json", ""},
      {"huge_integer", envelope_with({{"data", R"({"a":123456789012345678901234567890})"}}),
       "invalid_json", ""},
      {"integer_above_uint64", envelope_with({{"data", R"({"a":18446744073709551616})"}}),
       "invalid_json", ""},
      {"huge_exponent", envelope_with({{"data", R"({"a":1e400})"}}), "invalid_json", ""},
      {"invalid_utf8_in_string", envelope_with({{"data", "{\"a\":\"caf\xC3\"}"}}), "invalid_utf8",
       ""},
      {"invalid_utf8_overlong", envelope_with({{"id", "\"\xC0\xAF\""}}), "invalid_utf8", ""},
      {"invalid_utf8_surrogate_bytes", envelope_with({{"data", "{\"a\":\"\xED\xA0\x80\"}"}}),
       "invalid_utf8", ""},
      {"invalid_utf8_outside_string", envelope_with({}) + "\xFF", "invalid_utf8", ""},
      {"depth_17_empty_innermost", envelope_with({{"data", "{\"a\":" + nested_arrays(15) + "}"}}),
       "too_deep", ""},
      {"depth_17_scalar_innermost",
       envelope_with({{"data", "{\"a\":" + nested_arrays(14).insert(14, "[1]") + "}"}}), "too_deep",
       ""},
      {"depth_17_objects", envelope_with({{"data", "{\"a\":" + nested_objects(15) + "}"}}),
       "too_deep", ""},
      {"depth_100000", nested_arrays(100000), "too_deep", ""},
      {"depth_100000_unclosed", std::string(100000, '['), "invalid_json", ""},
      // Top level.
      {"top_level_array", "[" + envelope_with({}) + "]", "not_an_object", ""},
      {"top_level_string", R"("msg")", "not_an_object", ""},
      {"top_level_null", "null", "not_an_object", ""},
      {"unknown_top_level_key", envelope_with({{"extra", "1"}}), "unknown_key", "extra"},
      {"duplicate_top_level_key", "{\"id\":\"a\"," + envelope_with({}).substr(1), "duplicate_key",
       "id"},
      {"missing_id", envelope_with({{"id", std::nullopt}}), "missing_field", "id"},
      {"missing_type", envelope_with({{"type", std::nullopt}}), "missing_field", "type"},
      {"missing_case", envelope_with({{"case", std::nullopt}}), "missing_field", "case"},
      {"missing_subject", envelope_with({{"subject", std::nullopt}}), "missing_field", "subject"},
      {"missing_occurred_at", envelope_with({{"occurred_at", std::nullopt}}), "missing_field",
       "occurred_at"},
      {"missing_classification", envelope_with({{"classification", std::nullopt}}), "missing_field",
       "classification"},
      {"missing_data", envelope_with({{"data", std::nullopt}}), "missing_field", "data"},
      {"empty_object", "{}", "missing_field", "id"},
      // Types.
      {"id_null", envelope_with({{"id", "null"}}), "wrong_type", "id"},
      {"id_number", envelope_with({{"id", "42"}}), "wrong_type", "id"},
      {"type_array", envelope_with({{"type", R"(["hearing.listed"])"}}), "wrong_type", "type"},
      {"case_string", envelope_with({{"case", R"("01AB1234521")"}}), "wrong_type", "case"},
      {"subject_null", envelope_with({{"subject", "null"}}), "wrong_type", "subject"},
      {"occurred_at_number", envelope_with({{"occurred_at", "1700000000"}}), "wrong_type",
       "occurred_at"},
      {"classification_bool", envelope_with({{"classification", "true"}}), "wrong_type",
       "classification"},
      {"data_array", envelope_with({{"data", "[]"}}), "wrong_type", "data"},
      {"data_null", envelope_with({{"data", "null"}}), "wrong_type", "data"},
      {"case_urn_null", envelope_with({{"case", R"({"urn":null,"owner":"police.met"})"}}),
       "wrong_type", "case.urn"},
      {"subject_ref_number", envelope_with({{"subject", R"({"role":"victim","ref":7})"}}),
       "wrong_type", "subject.ref"},
      // case / subject members.
      {"case_unknown_key", envelope_with({{"case", R"({"urn":"X1","owner":"police.met","n":1})"}}),
       "unknown_key", "case.n"},
      {"case_duplicate_key",
       envelope_with({{"case", R"({"urn":"X1","urn":"X2","owner":"police.met"})"}}),
       "duplicate_key", "case.urn"},
      {"case_missing_owner", envelope_with({{"case", R"({"urn":"X1"})"}}), "missing_field",
       "case.owner"},
      {"case_missing_urn", envelope_with({{"case", R"({"owner":"police.met"})"}}), "missing_field",
       "case.urn"},
      {"subject_missing_ref", envelope_with({{"subject", R"({"role":"victim"})"}}), "missing_field",
       "subject.ref"},
      {"subject_unknown_key",
       envelope_with({{"subject", R"({"role":"victim","ref":"V1","name":"Jane"})"}}), "unknown_key",
       "subject.name"},
      // Values.
      {"id_empty", envelope_with({{"id", R"("")"}}), "invalid_value", "id"},
      {"id_space", envelope_with({{"id", R"("msg 1")"}}), "invalid_value", "id"},
      {"id_slash", envelope_with({{"id", R"("msg/1")"}}), "invalid_value", "id"},
      {"id_too_long", envelope_with({{"id", "\"" + std::string(129, 'a') + "\""}}), "invalid_value",
       "id"},
      {"type_unknown", envelope_with({{"type", R"("hearing.cancelled")"}}), "unknown_event_type",
       "type"},
      {"type_empty", envelope_with({{"type", R"("")"}}), "unknown_event_type", "type"},
      {"type_wrong_case", envelope_with({{"type", R"("Hearing.Listed")"}}), "unknown_event_type",
       "type"},
      {"urn_empty", envelope_with({{"case", R"({"urn":"","owner":"police.met"})"}}),
       "invalid_value", "case.urn"},
      {"urn_65_chars",
       envelope_with(
           {{"case", "{\"urn\":\"" + std::string(65, '1') + "\",\"owner\":\"police.met\"}"}}),
       "invalid_value", "case.urn"},
      {"urn_colon", envelope_with({{"case", R"({"urn":"01:AB","owner":"police.met"})"}}),
       "invalid_value", "case.urn"},
      {"owner_single_label", envelope_with({{"case", R"({"urn":"X1","owner":"police"})"}}),
       "invalid_value", "case.owner"},
      {"owner_upper_case", envelope_with({{"case", R"({"urn":"X1","owner":"Police.Met"})"}}),
       "invalid_value", "case.owner"},
      {"owner_empty_label", envelope_with({{"case", R"({"urn":"X1","owner":"police..met"})"}}),
       "invalid_value", "case.owner"},
      {"owner_trailing_dot", envelope_with({{"case", R"({"urn":"X1","owner":"police.met."})"}}),
       "invalid_value", "case.owner"},
      {"role_unknown", envelope_with({{"subject", R"({"role":"neighbour","ref":"V1"})"}}),
       "invalid_value", "subject.role"},
      {"ref_too_long",
       envelope_with(
           {{"subject", "{\"role\":\"victim\",\"ref\":\"" + std::string(65, 'r') + "\"}"}}),
       "invalid_value", "subject.ref"},
      {"time_no_offset", envelope_with({{"occurred_at", R"("2026-11-20T09:30:00")"}}),
       "invalid_value", "occurred_at"},
      {"time_feb_30", envelope_with({{"occurred_at", R"("2026-02-30T09:30:00Z")"}}),
       "invalid_value", "occurred_at"},
      {"time_feb_29_non_leap", envelope_with({{"occurred_at", R"("2025-02-29T09:30:00Z")"}}),
       "invalid_value", "occurred_at"},
      {"time_feb_29_1900", envelope_with({{"occurred_at", R"("1900-02-29T09:30:00Z")"}}),
       "invalid_value", "occurred_at"},
      {"time_april_31", envelope_with({{"occurred_at", R"("2026-04-31T09:30:00Z")"}}),
       "invalid_value", "occurred_at"},
      {"time_month_13", envelope_with({{"occurred_at", R"("2026-13-01T09:30:00Z")"}}),
       "invalid_value", "occurred_at"},
      {"time_day_00", envelope_with({{"occurred_at", R"("2026-01-00T09:30:00Z")"}}),
       "invalid_value", "occurred_at"},
      {"time_hour_24", envelope_with({{"occurred_at", R"("2026-11-20T24:00:00Z")"}}),
       "invalid_value", "occurred_at"},
      {"time_minute_60", envelope_with({{"occurred_at", R"("2026-11-20T09:60:00Z")"}}),
       "invalid_value", "occurred_at"},
      {"time_leap_second", envelope_with({{"occurred_at", R"("2016-12-31T23:59:60Z")"}}),
       "invalid_value", "occurred_at"},
      {"time_lower_case_t", envelope_with({{"occurred_at", R"("2026-11-20t09:30:00Z")"}}),
       "invalid_value", "occurred_at"},
      {"time_space_separator", envelope_with({{"occurred_at", R"("2026-11-20 09:30:00Z")"}}),
       "invalid_value", "occurred_at"},
      {"time_date_only", envelope_with({{"occurred_at", R"("2026-11-20")"}}), "invalid_value",
       "occurred_at"},
      {"time_offset_no_colon", envelope_with({{"occurred_at", R"("2026-11-20T09:30:00+0100")"}}),
       "invalid_value", "occurred_at"},
      {"time_offset_hour_24", envelope_with({{"occurred_at", R"("2026-11-20T09:30:00+24:00")"}}),
       "invalid_value", "occurred_at"},
      {"time_empty_fraction", envelope_with({{"occurred_at", R"("2026-11-20T09:30:00.Z")"}}),
       "invalid_value", "occurred_at"},
      {"time_ten_digit_fraction",
       envelope_with({{"occurred_at", R"("2026-11-20T09:30:00.0123456789Z")"}}), "invalid_value",
       "occurred_at"},
      {"time_trailing_text", envelope_with({{"occurred_at", R"("2026-11-20T09:30:00Zx")"}}),
       "invalid_value", "occurred_at"},
      {"classification_secret", envelope_with({{"classification", R"("SECRET")"}}), "invalid_value",
       "classification"},
      {"classification_lower_case", envelope_with({{"classification", R"("official")"}}),
       "invalid_value", "classification"},
      {"classification_bad_caveat",
       envelope_with({{"classification", R"("OFFICIAL-SENSITIVE [personal]")"}}), "invalid_value",
       "classification"},
      {"classification_caveat_no_space",
       envelope_with({{"classification", R"("OFFICIAL[PERSONAL]")"}}), "invalid_value",
       "classification"},
      {"classification_unclosed_caveat",
       envelope_with({{"classification", R"("OFFICIAL [PERSONAL")"}}), "invalid_value",
       "classification"},
      {"classification_trailing_space", envelope_with({{"classification", R"("OFFICIAL ")"}}),
       "invalid_value", "classification"},
      // data.
      {"data_key_with_dot", envelope_with({{"data", R"({"victim.dob":"1990-01-01"})"}}),
       "invalid_value", "data.victim.dob"},
      {"data_key_empty", envelope_with({{"data", R"({"victim":{"":1}})"}}), "invalid_value",
       "data.victim."},
      {"data_key_space", envelope_with({{"data", R"({"safe times":1})"}}), "invalid_value",
       "data.safe times"},
      {"data_key_65_chars", envelope_with({{"data", "{\"" + std::string(65, 'k') + "\":1}"}}),
       "invalid_value", "data." + std::string(65, 'k')},
      {"data_key_reserved_for_encryption",
       envelope_with({{"data", R"({"victim":{"phone":{"accord_enc":1,"ct":"x"}}})"}}),
       "invalid_value", "data.victim.phone.accord_enc"},
      {"data_duplicate_key", envelope_with({{"data", R"({"victim":{"dob":"a","dob":"b"}})"}}),
       "duplicate_key", "data.victim.dob"},
      {"data_duplicate_key_inside_array",
       envelope_with({{"data", R"({"needs":{"list":[{"k":1,"k":2}]}})"}}), "duplicate_key",
       "data.needs.list"},
      {"data_duplicate_object_key",
       envelope_with({{"data", R"({"victim":{"a":1},"victim":{"b":2}})"}}), "duplicate_key",
       "data.victim"},
      // First error wins, in document order.
      {"first_error_wins_type_before_id",
       R"({"type":"nope.nope","id":"","case":1,"subject":1,"occurred_at":1,)"
       R"("classification":1,"data":1})",
       "unknown_event_type", "type"},
      {"first_error_wins_unknown_before_missing", R"({"zzz":1})", "unknown_key", "zzz"},
  };
}

class RefusalTest : public ::testing::TestWithParam<RefusalRow> {};

TEST_P(RefusalTest, RefusesWithCodeAndPath) {
  const RefusalRow& row = GetParam();
  auto result = decode(row.input, vocabulary());
  ASSERT_FALSE(result.ok()) << row.input;
  EXPECT_EQ(result.error().code, row.code) << result.error().message;
  EXPECT_EQ(result.error().path, row.path);
  EXPECT_FALSE(result.error().message.empty());
}

INSTANTIATE_TEST_SUITE_P(Envelope, RefusalTest, ::testing::ValuesIn(refusal_rows()),
                         [](const auto& info) { return info.param.name; });

struct AcceptRow {
  std::string name;
  std::string input;
};

std::vector<AcceptRow> accept_rows() {
  return {
      {"baseline", envelope_with({})},
      {"members_in_any_order",
       R"({"data":{},"classification":"OFFICIAL","occurred_at":"2026-11-20T09:30:00Z",)"
       R"("subject":{"ref":"V1","role":"witness"},"case":{"owner":"cps.london","urn":"X"},)"
       R"("type":"case.outcome","id":"a"})"},
      {"whitespace_around", " \n\t" + envelope_with({}) + "\r\n "},
      {"empty_data", envelope_with({{"data", "{}"}})},
      {"id_all_allowed_chars", envelope_with({{"id", R"("Az09._:-")"}})},
      {"id_128_chars", envelope_with({{"id", "\"" + std::string(128, 'a') + "\""}})},
      {"urn_force_reference",
       envelope_with({{"case", R"({"urn":"MP/2026/4417","owner":"police.met"})"}})},
      {"owner_three_labels",
       envelope_with({{"case", R"({"urn":"X1","owner":"provider.vs-london.north"})"}})},
      {"urn_64_chars", envelope_with({{"case", "{\"urn\":\"" + std::string(64, '1') +
                                                   "\",\"owner\":\"police.met\"}"}})},
      {"role_parent_or_guardian",
       envelope_with({{"subject", R"({"role":"parent_or_guardian","ref":"P:1"})"}})},
      {"role_bereaved_relative",
       envelope_with({{"subject", R"({"role":"bereaved_relative","ref":"B1"})"}})},
      {"time_positive_offset", envelope_with({{"occurred_at", R"("2026-11-20T09:30:00+01:00")"}})},
      {"time_negative_offset", envelope_with({{"occurred_at", R"("2026-11-20T09:30:00-05:30")"}})},
      {"time_fraction", envelope_with({{"occurred_at", R"("2026-11-20T09:30:00.123456789Z")"}})},
      {"time_leap_day", envelope_with({{"occurred_at", R"("2024-02-29T23:59:59Z")"}})},
      {"time_leap_day_2000", envelope_with({{"occurred_at", R"("2000-02-29T00:00:00Z")"}})},
      {"classification_official", envelope_with({{"classification", R"("OFFICIAL")"}})},
      {"classification_two_caveats",
       envelope_with({{"classification", R"("OFFICIAL-SENSITIVE [PERSONAL] [LOCSEN-UK]")"}})},
      {"classification_caveat_with_space",
       envelope_with({{"classification", R"("OFFICIAL [UK EYES ONLY]")"}})},
      {"data_scalars",
       envelope_with(
           {{"data",
             R"({"s":"x","i":-42,"u":18446744073709551615,"d":1.5,"t":true,"f":false,"n":null})"}})},
      {"data_unicode",
       envelope_with({{"data", R"({"name":"Zo\u00eb \ud83d\ude00 caf\u00e9","raw":"Zoë"})"}})},
      {"depth_16_empty_innermost", envelope_with({{"data", "{\"a\":" + nested_arrays(14) + "}"}})},
      {"depth_16_scalar_innermost",
       envelope_with({{"data", "{\"a\":" + nested_arrays(13).insert(13, "[1]") + "}"}})},
      {"depth_16_objects", envelope_with({{"data", "{\"a\":" + nested_objects(14) + "}"}})},
  };
}

class AcceptTest : public ::testing::TestWithParam<AcceptRow> {};

TEST_P(AcceptTest, Accepts) {
  auto result = decode(GetParam().input, vocabulary());
  ASSERT_TRUE(result.ok()) << result.error().code << " " << result.error().path << ": "
                           << result.error().message;
}

INSTANTIATE_TEST_SUITE_P(Envelope, AcceptTest, ::testing::ValuesIn(accept_rows()),
                         [](const auto& info) { return info.param.name; });

TEST(EnvelopeDecodeTest, ReferralExampleIsFlattenedIntoSortedLeaves) {
  auto result = decode(test::read_file("tests/data/envelope/referral_created.json"), vocabulary());
  ASSERT_TRUE(result.ok()) << result.error().code << " " << result.error().path;
  const Envelope& e = *result;
  EXPECT_EQ(e.id, "met-ref-2026-000417");
  EXPECT_EQ(e.type, "referral.created");
  EXPECT_EQ(e.case_ref, (CaseRef{"01MP0041726", "police.met"}));
  EXPECT_EQ(e.subject, (Subject{"victim", "V-7F3A91C2"}));
  EXPECT_EQ(e.occurred_at, "2026-11-20T09:30:00Z");
  EXPECT_EQ(e.classification, "OFFICIAL-SENSITIVE [PERSONAL]");
  ASSERT_NE(e.find("victim.contact.phone"), nullptr);
  EXPECT_EQ(e.find("victim.contact.phone")->json, R"("07700 900123")");
  EXPECT_EQ(e.find("victim.contact.safe_times")->json,
            R"(["Mon-Fri 10:00-12:00","Sat 09:00-11:00"])");
  EXPECT_EQ(e.find("victim.contact.do_not_leave_messages")->json, "true");
  EXPECT_EQ(e.find("enhanced_rights.eligible")->json, "true");
  EXPECT_EQ(e.find("offence.category")->json, R"("burglary_dwelling")");
  EXPECT_EQ(e.find("victim"), nullptr);  // objects are not leaves
  EXPECT_EQ(e.find("victim.contact.ph"), nullptr);
  EXPECT_TRUE(std::is_sorted(e.data.begin(), e.data.end(),
                             [](const Field& a, const Field& b) { return a.path < b.path; }));
  EXPECT_EQ(e.data.size(), 23u);
}

TEST(EnvelopeDecodeTest, LeavesAreMinifiedAndEmptyObjectsKept) {
  auto result = decode(envelope_with({{"data", R"({"b" : [ 1 , {"y": 2, "x" :{}} ], "a":{"e":{}},
                                                   "s":"\u0041\t\"", "n": 1E2})"}}),
                       vocabulary());
  ASSERT_TRUE(result.ok()) << result.error().code;
  std::vector<Field> expected = {
      {"a.e", "{}"}, {"b", R"([1,{"y":2,"x":{}}])"}, {"n", "100.0"}, {"s", R"("A\t\"")"}};
  EXPECT_EQ(result->data, expected);
}

TEST(EnvelopeDecodeLimitsTest, ExactlyMaxBytesIsAcceptedOneMoreIsTooLarge) {
  std::string body = envelope_with({});
  DecodeLimits limits;
  limits.max_bytes = body.size();
  EXPECT_TRUE(decode(body, vocabulary(), limits).ok());
  auto over = decode(body + " ", vocabulary(), limits);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, "too_large");
}

TEST(EnvelopeDecodeLimitsTest, DefaultMaxBytesIs256KiB) {
  std::string body = envelope_with({});
  body.append(256 * 1024 - body.size(), ' ');
  EXPECT_TRUE(decode(body, vocabulary()).ok());
  body += ' ';
  auto over = decode(body, vocabulary());
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, "too_large");
}

TEST(EnvelopeDecodeLimitsTest, TooLargeIsCheckedBeforeParsing) {
  DecodeLimits limits;
  limits.max_bytes = 4;
  auto result = decode("\xFF\xFF\xFF\xFF\xFF", vocabulary(), limits);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, "too_large");
}

TEST(EnvelopeDecodeLimitsTest, MaxFieldsCountsLeavesAndNamesTheFirstOneOver) {
  DecodeLimits limits;
  limits.max_fields = 3;
  auto three = envelope_with({{"data", R"({"a":1,"b":{"c":[1,2,3],"d":{}}})"}});
  EXPECT_TRUE(decode(three, vocabulary(), limits).ok());
  auto four = envelope_with({{"data", R"({"a":1,"b":{"c":[1,2,3],"d":{}},"e":null})"}});
  auto result = decode(four, vocabulary(), limits);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, "too_many_fields");
  EXPECT_EQ(result.error().path, "data.e");
}

TEST(EnvelopeDecodeLimitsTest, MaxDepthIsConfigurable) {
  DecodeLimits limits;
  limits.max_depth = 3;  // top level, data, one object below
  EXPECT_TRUE(decode(envelope_with({{"data", R"({"a":{"b":1}})"}}), vocabulary(), limits).ok());
  auto deep = decode(envelope_with({{"data", R"({"a":{"b":{}}})"}}), vocabulary(), limits);
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.error().code, "too_deep");
  // The thread's parser is re-armed for the next caller's limits.
  EXPECT_TRUE(
      decode(envelope_with({{"data", "{\"a\":" + nested_arrays(14) + "}"}}), vocabulary()).ok());
}

TEST(EnvelopeDecodeLimitsTest, MaxIdLengthIsConfigurable) {
  DecodeLimits limits;
  limits.max_id_length = 4;
  EXPECT_TRUE(decode(envelope_with({{"id", R"("abcd")"}}), vocabulary(), limits).ok());
  auto result = decode(envelope_with({{"id", R"("abcde")"}}), vocabulary(), limits);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, "invalid_value");
}

TEST(EnvelopeDecodeTest, ManyDistinctKeysInOneArrayObjectAreAccepted) {
  std::string object = "{";
  for (int i = 0; i < 5000; ++i) object += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":1";
  object += "}";
  EXPECT_TRUE(decode(envelope_with({{"data", "{\"list\":[" + object + "]}"}}), vocabulary()).ok());
  auto dup = decode(envelope_with({{"data", "{\"list\":[" + object.substr(0, object.size() - 1) +
                                                ",\"k4999\":2}]}"}}),
                    vocabulary());
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, "duplicate_key");
}

}  // namespace
}  // namespace accord::envelope
