// decision.inputs through the real gateway (docs/audit-format.md §1): one record per decided
// submission, the first of its records, in its transaction; none for a duplicate or a reused
// id; names, headers, closed-list state and agreement literals only.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "accord/env/fake_env.hpp"
#include "harness.hpp"

namespace accord::test {
namespace {

using boost::beast::http::verb;
using nlohmann::json;

constexpr const char* kSubject = "V-7F3A91C2";  // the subject of the sample envelopes

class DecisionInputsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gateway_ = std::make_unique<InProcessGateway>(write_config(dir_), &env_);
  }

  client::HttpResult submit(const std::string& who, const std::string& body) {
    auto client = make_client(who, gateway_->port());
    auto result = client->request(verb::post, "/v1/messages", body, "application/json");
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
    return result.ok() ? result.value() : client::HttpResult{};
  }

  // Every audit record of the log, in seq order, grouped by message id.
  std::map<std::string, std::vector<json>> records_by_message() {
    auto auditor = make_client("auditor", gateway_->admin_port());
    const auto read = auditor->request(verb::get, "/v1/admin/audit/records?limit=10000");
    EXPECT_TRUE(read.ok());
    std::map<std::string, std::vector<json>> out;
    if (!read.ok()) return out;
    EXPECT_EQ(read->status, 200u) << read->body;
    std::istringstream text(read->body);
    for (std::string line; std::getline(text, line);) {
      if (line.empty()) continue;
      const json record = json::parse(line);
      if (record.contains("message_id")) out[record["message_id"]].push_back(record);
    }
    return out;
  }

  TempDir dir_;
  env::FakeEnv env_{env::system_env().now_ms()};
  std::unique_ptr<InProcessGateway> gateway_;
};

std::string consent_given() {
  return json{{"id", "met-consent-1"},
              {"type", "consent.given"},
              {"case", {{"urn", "01MP0041726"}, {"owner", "police.met"}}},
              {"subject", {{"role", "victim"}, {"ref", kSubject}}},
              {"occurred_at", "2026-11-21T09:00:00Z"},
              {"classification", "OFFICIAL [PERSONAL]"},
              {"data", json::object()}}
      .dump();
}

// The kinds of a submission's records as written in its transaction: consecutive seqs from
// the decision.inputs on (delivery records come later, in transactions of their own).
std::vector<std::string> submission_kinds(const std::vector<json>& records) {
  std::vector<std::string> kinds;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (i > 0 && records[i]["seq"] != records[i - 1]["seq"].get<std::int64_t>() + 1) break;
    if (records[i]["kind"].get<std::string>().rfind("delivery.", 0) == 0) break;
    kinds.push_back(records[i]["kind"]);
  }
  return kinds;
}

TEST_F(DecisionInputsTest, OneFirstRecordPerDecidedSubmissionAndNoneForADuplicate) {
  // 1. A consent.given the gateway records itself (no agreement routes it): stored with no
  //    recipient; no flow for it reads the stored state.
  const auto given = submit("police.met", consent_given());
  ASSERT_EQ(given.status, 202u) << given.body;

  // 2. An arrest, stored for two recipients; its route has consent_based flows, so the state
  //    (now: consent given) is read. consent.support is a tested path whose value ("given")
  //    is none of the literals the agreements name for it.
  json arrested = json::parse(read_source_file("tests/data/integration/suspect_arrested.json"));
  arrested["data"]["consent"]["support"] = "given";
  const auto stored = submit("police.met", arrested.dump());
  ASSERT_EQ(stored.status, 202u) << stored.body;

  // 3. The same again (duplicate) and the same id with other content (id_conflict).
  const auto again = submit("police.met", arrested.dump());
  ASSERT_EQ(again.status, 200u) << again.body;
  json reused = arrested;
  reused["data"]["arrest"]["next_step"] = "charge";
  const auto conflict = submit("police.met", reused.dump());
  ASSERT_EQ(conflict.status, 409u) << conflict.body;

  // 4. The sample referral: refused as a whole (its flows encrypt, no key is registered).
  const auto refused =
      submit("police.met", read_source_file("tests/data/envelope/referral_created.json"));
  ASSERT_EQ(refused.status, 422u) << refused.body;

  auto by_message = records_by_message();
  using Kinds = std::vector<std::string>;

  const auto& consent = by_message["met-consent-1"];
  EXPECT_EQ(submission_kinds(consent), (Kinds{"decision.inputs", "compliance.facts"}));
  ASSERT_FALSE(consent.empty());
  EXPECT_EQ(
      consent[0]["details"],
      (json{{"classification", "OFFICIAL"}, {"case.owner", "police.met"}, {"state", "not_read"}}));
  EXPECT_FALSE(consent[0].contains("fields"));  // no data field

  const auto& arrest = by_message["met-arr-2026-000418"];
  EXPECT_EQ(submission_kinds(arrest), (Kinds{"decision.inputs", "decision.accepted",
                                             "decision.accepted", "compliance.facts"}));
  ASSERT_FALSE(arrest.empty());
  const json& inputs = arrest[0];
  EXPECT_EQ(std::count_if(arrest.begin(), arrest.end(),
                          [](const json& r) { return r["kind"] == "decision.inputs"; }),
            1)
      << "a duplicate or a reused id wrote a decision.inputs record";
  EXPECT_EQ(inputs["at"], arrest[1]["at"]);
  EXPECT_EQ(inputs["sender"], "police.met");
  EXPECT_EQ(inputs["event_type"], "suspect.arrested");
  EXPECT_EQ(inputs["case_urn"], "01MP0041726");
  EXPECT_EQ(inputs["subject_role"], "victim");
  EXPECT_EQ(inputs["subject_ref"], kSubject);
  for (const char* absent : {"recipient", "agreement", "content_hash", "copy_hash", "code"}) {
    EXPECT_FALSE(inputs.contains(absent)) << absent;
  }
  EXPECT_EQ(inputs["fields"], (json{{"data.arrest.arrested_at", "present"},
                                    {"data.arrest.custody", "present"},
                                    {"data.arrest.next_step", "present"},
                                    {"data.consent.support", "present"},
                                    {"data.needs.safety", "present"},
                                    {"data.officer.collar", "present"},
                                    {"data.officer.station", "present"},
                                    {"data.victim.contact.phone", "present"},
                                    {"data.victim.dob", "present"}}));
  // Members in the documented order (json compares objects by key; check the bytes too).
  const std::string details = inputs["details"].dump();
  EXPECT_EQ(details, R"({"case.owner":"police.met","classification":"OFFICIAL-SENSITIVE",)"
                     R"("fact.data.consent.support":"{\"not\":[\"withdrawn\"]}","state":"read",)"
                     R"("state.consent":"given"})");
  const auto raw = [&] {
    auto auditor = make_client("auditor", gateway_->admin_port());
    auto read = auditor->request(verb::get, "/v1/admin/audit/records?kind=decision.inputs");
    return read.ok() ? read->body : std::string();
  }();
  EXPECT_NE(raw.find(R"("details":{"classification":"OFFICIAL-SENSITIVE","case.owner":)"
                     R"("police.met","state":"read","state.consent":"given",)"
                     R"("fact.data.consent.support":"{\"not\":[\"withdrawn\"]}"}})"),
            std::string::npos)
      << raw;

  const auto& referral = by_message["met-ref-2026-000417"];
  const Kinds referral_kinds = submission_kinds(referral);
  ASSERT_GE(referral_kinds.size(), 2u);
  EXPECT_EQ(referral_kinds[0], "decision.inputs");
  for (std::size_t i = 1; i < referral_kinds.size(); ++i) {
    EXPECT_EQ(referral_kinds[i], "decision.refused") << i;
  }
  EXPECT_EQ(referral[0]["details"],
            (json{{"classification", "OFFICIAL-SENSITIVE"},
                  {"case.owner", "police.met"},
                  {"state", "read"},
                  {"state.consent", "given"},
                  {"fact.data.consent.referral", "\"explicit\""},
                  {"fact.data.offence.category",
                   R"({"not":["child_sexual_abuse","rape","sexual_assault","sexual_offence"]})"}}));

  // No value of a field outside the agreements' literals reaches the record.
  for (const char* value : {"07700 900123", "1987-03-14", "burglary_dwelling", "Southwark",
                            "PC 4417", "MP/2026/4417", "r.example@example.org"}) {
    EXPECT_EQ(raw.find(value), std::string::npos) << value;
  }
}

}  // namespace
}  // namespace accord::test
