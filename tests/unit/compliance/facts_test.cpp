// extract_facts, facts_to_details and facts_from_details (docs/compliance.md §3): one row per
// accepted shape with the exact details it writes, one row per refusal with code and path.
#include "accord/compliance/facts.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "accord/envelope/codec.hpp"

namespace accord::compliance {
namespace {

using Details = std::vector<std::pair<std::string, std::string>>;

const envelope::Vocabulary& vocabulary() {
  static const envelope::Vocabulary parsed = [] {
    const char* root = std::getenv("ACCORD_SOURCE_DIR");
    std::ifstream in(std::string(root ? root : ACCORD_TEST_SOURCE_DIR) + "/config/vocabulary.yaml");
    std::stringstream text;
    text << in.rdbuf();
    auto result = envelope::Vocabulary::parse(text.str());
    if (!result) std::abort();
    return std::move(*result);
  }();
  return parsed;
}

constexpr std::int64_t kReceivedMs = 1795176000000;  // 2026-11-20T12:00:00.000Z
constexpr const char* kSubmitter = "wcu.met";

// A submission of `type` with `data` (a JSON object text) occurring at `occurred_at`.
envelope::Envelope make(const std::string& type, const std::string& data,
                        const std::string& occurred_at = "2026-11-20T09:30:00Z") {
  const std::string json = R"({"id":"m-1","type":")" + type +
                           R"(","case":{"urn":"01AB1234521","owner":"police.met"},)"
                           R"("subject":{"role":"victim","ref":"V-1"},"occurred_at":")" +
                           occurred_at + R"(","classification":"OFFICIAL","data":)" + data + "}";
  auto decoded = envelope::decode(json, vocabulary());
  if (!decoded) {
    ADD_FAILURE() << "test envelope refused: " << decoded.error().code << " at "
                  << decoded.error().path << ": " << decoded.error().message;
    return {};
  }
  return std::move(*decoded);
}

const std::string kInforms =
    R"("informs":{"message_id":"court-77","event_type":"hearing.listed","sender":"court.london"})";

struct AcceptRow {
  std::string name;
  std::string type;
  std::string data;
  std::string occurred_at;
  Details details;
};

std::vector<AcceptRow> accept_rows() {
  return {
      {"no_facts",
       "hearing.listed",
       "{}",
       "2026-11-20T09:30:00Z",
       {{"occurred_at", "2026-11-20T09:30:00.000Z"}}},
      {"offset_and_fraction_to_utc_ms",
       "hearing.listed",
       "{}",
       "2026-11-20T10:15:00.1239+00:00",
       {{"occurred_at", "2026-11-20T10:15:00.123Z"}}},
      {"before_1970_keeps_its_milliseconds",
       "hearing.listed",
       "{}",
       "1969-12-31T23:59:59.5Z",
       {{"occurred_at", "1969-12-31T23:59:59.500Z"}}},
      {"year_zero",
       "hearing.listed",
       "{}",
       "0000-01-01T00:00:00Z",
       {{"occurred_at", "0000-01-01T00:00:00.000Z"}}},
      {"negative_offset",
       "hearing.listed",
       "{}",
       "2026-11-20T04:30:00-05:00",
       {{"occurred_at", "2026-11-20T09:30:00.000Z"}}},
      {"summer_time_offset",
       "hearing.listed",
       "{}",
       "2026-06-01T09:30:00.123+01:00",
       {{"occurred_at", "2026-06-01T08:30:00.123Z"}}},
      {"enhanced_true",
       "hearing.listed",
       R"({"enhanced_rights":{"eligible":true}})",
       "2026-11-20T09:30:00Z",
       {{"occurred_at", "2026-11-20T09:30:00.000Z"}, {"enhanced", "true"}}},
      {"enhanced_false_on_any_event",
       "suspect.arrested",
       R"({"enhanced_rights":{"eligible":false,"reason":"x"}})",
       "2026-11-20T09:30:00Z",
       {{"occurred_at", "2026-11-20T09:30:00.000Z"}, {"enhanced", "false"}}},
      {"enhanced_rights_changed",
       "enhanced_rights.changed",
       R"({"enhanced_rights":{"eligible":true}})",
       "2026-11-20T09:30:00Z",
       {{"occurred_at", "2026-11-20T09:30:00.000Z"}, {"enhanced", "true"}}},
      {"victim_informed_named_sender",
       "victim.informed",
       "{" + kInforms +
           R"(,"channel":"phone","informed_at":"2026-11-20T10:15:00.123Z","note":"free text"})",
       "2026-11-20T10:15:00Z",
       {{"occurred_at", "2026-11-20T10:15:00.000Z"},
        {"informs_sender", "court.london"},
        {"informs_message_id", "court-77"},
        {"informs_event_type", "hearing.listed"},
        {"informed_at", "2026-11-20T10:15:00.123Z"},
        {"channel", "phone"}}},
      {"victim_informed_default_sender_is_submitter",
       "victim.informed",
       R"({"informs":{"message_id":"wcu:9","event_type":"case.outcome"},"channel":"letter",)"
       R"("informed_at":"2026-11-20T08:30:00Z","enhanced_rights":{"eligible":true}})",
       "2026-11-20T09:30:00Z",
       {{"occurred_at", "2026-11-20T09:30:00.000Z"},
        {"enhanced", "true"},
        {"informs_sender", "wcu.met"},
        {"informs_message_id", "wcu:9"},
        {"informs_event_type", "case.outcome"},
        {"informed_at", "2026-11-20T08:30:00.000Z"},
        {"channel", "letter"}}},
      {"victim_informed_at_the_receipt_instant",
       "victim.informed",
       "{" + kInforms + R"(,"channel":"in_person","informed_at":"2026-11-20T13:00:00+01:00"})",
       "2026-11-20T09:30:00Z",
       {{"occurred_at", "2026-11-20T09:30:00.000Z"},
        {"informs_sender", "court.london"},
        {"informs_message_id", "court-77"},
        {"informs_event_type", "hearing.listed"},
        {"informed_at", "2026-11-20T12:00:00.000Z"},
        {"channel", "in_person"}}},
      {"consent_given",
       "consent.given",
       R"({"consent":{"scope":"support"}})",
       "2026-11-20T09:30:00Z",
       {{"occurred_at", "2026-11-20T09:30:00.000Z"}, {"consent", "given"}}},
      {"consent_withdrawn",
       "consent.withdrawn",
       "{}",
       "2026-11-20T09:30:00Z",
       {{"occurred_at", "2026-11-20T09:30:00.000Z"}, {"consent", "withdrawn"}}},
      {"consent_field_on_other_event_is_no_fact",
       "hearing.listed",
       R"({"consent":"withdrawn","channel":"pigeon"})",
       "2026-11-20T09:30:00Z",
       {{"occurred_at", "2026-11-20T09:30:00.000Z"}}},
      {"contact_preferences_sorted_and_safe_number_not_a_fact",
       "contact.preferences_changed",
       R"({"contact_preferences":{"updates":"key_only","safe_phone":"07700 900123",)"
       R"("channel":"sms","do_not_contact":false}})",
       "2026-11-20T09:30:00Z",
       {{"occurred_at", "2026-11-20T09:30:00.000Z"},
        {"contact.channel", "sms"},
        {"contact.do_not_contact", "false"},
        {"contact.updates", "key_only"}}},
      {"contact_preferences_one_key",
       "contact.preferences_changed",
       R"({"contact_preferences":{"do_not_contact":true}})",
       "2026-11-20T09:30:00Z",
       {{"occurred_at", "2026-11-20T09:30:00.000Z"}, {"contact.do_not_contact", "true"}}},
      {"contact_preferences_none_given",
       "contact.preferences_changed",
       R"({"contact_preferences":{"safe_phone":"07700 900123"}})",
       "2026-11-20T09:30:00Z",
       {{"occurred_at", "2026-11-20T09:30:00.000Z"}}},
  };
}

class FactsAcceptTest : public ::testing::TestWithParam<AcceptRow> {};

TEST_P(FactsAcceptTest, ExtractsExactlyTheseDetailsAndReadsThemBack) {
  const AcceptRow& row = GetParam();
  auto facts = extract_facts(make(row.type, row.data, row.occurred_at), kSubmitter, kReceivedMs,
                             &vocabulary());
  ASSERT_TRUE(facts.ok()) << facts.error().code << " at " << facts.error().path << ": "
                          << facts.error().message;
  EXPECT_EQ(facts_to_details(*facts), row.details);
  auto back = facts_from_details(row.details);
  ASSERT_TRUE(back.ok()) << back.error().code << " at " << back.error().path;
  EXPECT_EQ(*back, *facts);
}

INSTANTIATE_TEST_SUITE_P(Compliance, FactsAcceptTest, ::testing::ValuesIn(accept_rows()),
                         [](const auto& info) { return info.param.name; });

struct RefuseRow {
  std::string name;
  std::string type;
  std::string data;
  std::string code;
  std::string path;
};

std::vector<RefuseRow> refuse_rows() {
  const std::string channel_and_time = R"(,"channel":"phone","informed_at":"2026-11-20T10:00:00Z")";
  return {
      {"enhanced_text", "hearing.listed", R"({"enhanced_rights":{"eligible":"yes"}})",
       "invalid_value", "data.enhanced_rights.eligible"},
      {"enhanced_number", "hearing.listed", R"({"enhanced_rights":{"eligible":1}})",
       "invalid_value", "data.enhanced_rights.eligible"},
      {"enhanced_null", "hearing.listed", R"({"enhanced_rights":{"eligible":null}})",
       "invalid_value", "data.enhanced_rights.eligible"},
      {"enhanced_empty_object", "hearing.listed", R"({"enhanced_rights":{"eligible":{}}})",
       "invalid_value", "data.enhanced_rights.eligible"},
      {"enhanced_object", "hearing.listed", R"({"enhanced_rights":{"eligible":{"now":true}}})",
       "invalid_value", "data.enhanced_rights.eligible"},
      {"enhanced_list", "hearing.listed", R"({"enhanced_rights":{"eligible":[true]}})",
       "invalid_value", "data.enhanced_rights.eligible"},
      {"enhanced_rights_changed_without_eligible", "enhanced_rights.changed",
       R"({"enhanced_rights":{"reason":"x"}})", "missing_field", "data.enhanced_rights.eligible"},
      {"informed_without_informs", "victim.informed", "{" + channel_and_time.substr(1) + "}",
       "missing_field", "data.informs.message_id"},
      {"informed_without_message_id", "victim.informed",
       R"({"informs":{"event_type":"hearing.listed"})" + channel_and_time + "}", "missing_field",
       "data.informs.message_id"},
      {"informed_message_id_bad_grammar", "victim.informed",
       R"({"informs":{"message_id":"court 77","event_type":"hearing.listed"})" + channel_and_time +
           "}",
       "invalid_value", "data.informs.message_id"},
      {"informed_message_id_too_long", "victim.informed",
       R"({"informs":{"message_id":")" + std::string(129, 'a') +
           R"(","event_type":"hearing.listed"})" + channel_and_time + "}",
       "invalid_value", "data.informs.message_id"},
      {"informed_message_id_number", "victim.informed",
       R"({"informs":{"message_id":77,"event_type":"hearing.listed"})" + channel_and_time + "}",
       "invalid_value", "data.informs.message_id"},
      {"informed_without_event_type", "victim.informed",
       R"({"informs":{"message_id":"court-77"})" + channel_and_time + "}", "missing_field",
       "data.informs.event_type"},
      {"informed_event_type_not_in_vocabulary", "victim.informed",
       R"({"informs":{"message_id":"court-77","event_type":"hearing.cancelled"})" +
           channel_and_time + "}",
       "invalid_value", "data.informs.event_type"},
      {"informed_sender_not_an_agency_id", "victim.informed",
       R"({"informs":{"message_id":"c","event_type":"hearing.listed","sender":"Court"})" +
           channel_and_time + "}",
       "invalid_value", "data.informs.sender"},
      {"informed_without_channel", "victim.informed",
       "{" + kInforms + R"(,"informed_at":"2026-11-20T10:00:00Z"})", "missing_field",
       "data.channel"},
      {"informed_channel_not_in_list", "victim.informed",
       "{" + kInforms + R"(,"channel":"pigeon","informed_at":"2026-11-20T10:00:00Z"})",
       "invalid_value", "data.channel"},
      {"informed_contact_only_channel", "victim.informed",
       "{" + kInforms + R"(,"channel":"none","informed_at":"2026-11-20T10:00:00Z"})",
       "invalid_value", "data.channel"},
      {"informed_without_informed_at", "victim.informed", "{" + kInforms + R"(,"channel":"phone"})",
       "missing_field", "data.informed_at"},
      {"informed_at_not_a_date", "victim.informed",
       "{" + kInforms + R"(,"channel":"phone","informed_at":"2026-02-30T10:00:00Z"})",
       "invalid_value", "data.informed_at"},
      {"informed_at_date_only", "victim.informed",
       "{" + kInforms + R"(,"channel":"phone","informed_at":"2026-11-20"})", "invalid_value",
       "data.informed_at"},
      {"informed_at_after_receipt", "victim.informed",
       "{" + kInforms + R"(,"channel":"phone","informed_at":"2026-11-20T12:00:00.001Z"})",
       "invalid_value", "data.informed_at"},
      {"informed_at_after_receipt_by_offset", "victim.informed",
       "{" + kInforms + R"(,"channel":"phone","informed_at":"2026-11-20T11:30:00-01:00"})",
       "invalid_value", "data.informed_at"},
      {"contact_channel_not_in_list", "contact.preferences_changed",
       R"({"contact_preferences":{"channel":"fax"}})", "invalid_value",
       "data.contact_preferences.channel"},
      {"contact_updates_not_in_list", "contact.preferences_changed",
       R"({"contact_preferences":{"updates":"some"}})", "invalid_value",
       "data.contact_preferences.updates"},
      {"contact_do_not_contact_text", "contact.preferences_changed",
       R"({"contact_preferences":{"do_not_contact":"yes"}})", "invalid_value",
       "data.contact_preferences.do_not_contact"},
      {"contact_channel_list", "contact.preferences_changed",
       R"({"contact_preferences":{"channel":["sms"]}})", "invalid_value",
       "data.contact_preferences.channel"},
  };
}

class FactsRefuseTest : public ::testing::TestWithParam<RefuseRow> {};

TEST_P(FactsRefuseTest, RefusesWithCodeAndDataPath) {
  const RefuseRow& row = GetParam();
  auto facts = extract_facts(make(row.type, row.data), kSubmitter, kReceivedMs, &vocabulary());
  ASSERT_FALSE(facts.ok()) << row.data;
  EXPECT_EQ(facts.error().code, row.code) << facts.error().message;
  EXPECT_EQ(facts.error().path, row.path) << facts.error().message;
  EXPECT_FALSE(facts.error().message.empty());
}

INSTANTIATE_TEST_SUITE_P(Compliance, FactsRefuseTest, ::testing::ValuesIn(refuse_rows()),
                         [](const auto& info) { return info.param.name; });

TEST(ComplianceFactsTest, WithoutVocabularyOnlyTheEventTypeGrammarIsChecked) {
  const std::string data = R"({"informs":{"message_id":"c","event_type":"hearing.cancelled"},)"
                           R"("channel":"phone","informed_at":"2026-11-20T10:00:00Z"})";
  auto facts = extract_facts(make("victim.informed", data), kSubmitter, kReceivedMs);
  ASSERT_TRUE(facts.ok()) << facts.error().message;
  EXPECT_EQ(facts->informed->event_type, "hearing.cancelled");
  auto refused =
      extract_facts(make("victim.informed", data), kSubmitter, kReceivedMs, &vocabulary());
  ASSERT_FALSE(refused.ok());
}

// The documented order, every member set.
TEST(ComplianceFactsTest, DetailsComeInTheDocumentedOrder) {
  ComplianceFacts facts;
  facts.occurred_at_ms = 1795167000000;
  facts.enhanced = false;
  facts.informed = InformedFact{"court.london", "court-77", "hearing.listed", 1795169700123, "sms"};
  facts.consent = "given";
  facts.contact = {{"channel", "email"}, {"do_not_contact", "false"}, {"updates", "all"}};
  const Details expected = {{"occurred_at", "2026-11-20T09:30:00.000Z"},
                            {"enhanced", "false"},
                            {"informs_sender", "court.london"},
                            {"informs_message_id", "court-77"},
                            {"informs_event_type", "hearing.listed"},
                            {"informed_at", "2026-11-20T10:15:00.123Z"},
                            {"channel", "sms"},
                            {"consent", "given"},
                            {"contact.channel", "email"},
                            {"contact.do_not_contact", "false"},
                            {"contact.updates", "all"}};
  EXPECT_EQ(facts_to_details(facts), expected);
  auto back = facts_from_details(expected);
  ASSERT_TRUE(back.ok()) << back.error().path << ": " << back.error().message;
  EXPECT_EQ(*back, facts);
}

struct DetailsRefuseRow {
  std::string name;
  Details details;
  std::string path;
};

std::vector<DetailsRefuseRow> details_refuse_rows() {
  const std::pair<std::string, std::string> occurred = {"occurred_at", "2026-11-20T09:30:00.000Z"};
  return {
      {"empty", {}, "occurred_at"},
      {"no_occurred_at", {{"enhanced", "true"}}, "occurred_at"},
      {"occurred_at_without_ms", {{"occurred_at", "2026-11-20T09:30:00Z"}}, "occurred_at"},
      {"occurred_at_with_offset",
       {{"occurred_at", "2026-11-20T09:30:00.000+00:00"}},
       "occurred_at"},
      {"unknown_name", {occurred, {"phone", "07700 900123"}}, "phone"},
      {"repeated_name", {occurred, {"enhanced", "true"}, {"enhanced", "false"}}, "enhanced"},
      {"enhanced_not_boolean", {occurred, {"enhanced", "yes"}}, "enhanced"},
      {"consent_outside_list", {occurred, {"consent", "maybe"}}, "consent"},
      {"contact_channel_outside_list", {occurred, {"contact.channel", "fax"}}, "contact.channel"},
      {"contact_updates_outside_list", {occurred, {"contact.updates", "some"}}, "contact.updates"},
      {"informed_partial", {occurred, {"informs_message_id", "court-77"}}, "informs_message_id"},
      {"informed_channel_outside_list",
       {occurred,
        {"informs_sender", "court.london"},
        {"informs_message_id", "court-77"},
        {"informs_event_type", "hearing.listed"},
        {"informed_at", "2026-11-20T10:15:00.123Z"},
        {"channel", "none"}},
       "channel"},
      {"informs_sender_not_agency",
       {occurred, {"informs_sender", "Court London"}},
       "informs_sender"},
  };
}

class FactsDetailsRefuseTest : public ::testing::TestWithParam<DetailsRefuseRow> {};

TEST_P(FactsDetailsRefuseTest, RefusesARecordItDoesNotUnderstand) {
  const DetailsRefuseRow& row = GetParam();
  auto facts = facts_from_details(row.details);
  ASSERT_FALSE(facts.ok());
  EXPECT_EQ(facts.error().code, "invalid_facts");
  EXPECT_EQ(facts.error().path, row.path) << facts.error().message;
}

INSTANTIATE_TEST_SUITE_P(Compliance, FactsDetailsRefuseTest,
                         ::testing::ValuesIn(details_refuse_rows()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace accord::compliance
