// The subject access report (accord/audit/subject_report.hpp), pure: records in, JSON and the
// table out. The shape is what `accord audit report --subject --format json` and
// GET /v1/admin/audit/subject-report both print (docs/operations.md "Audit log").
#include "accord/audit/subject_report.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace accord::audit {
namespace {

using nlohmann::json;

const char* kAccepted =
    R"({"seq":7,"at":"2026-12-01T10:00:00.000Z","kind":"decision.accepted","message_id":"m-1",)"
    R"("sender":"police.met","recipient":"wcu.met","agreement":"met-wcu@2",)"
    R"("event_type":"suspect.arrested","case_urn":"01MP1","subject_ref":"V-1",)"
    R"("fields":[["victim.name","share"],["victim.dob","generalise"]],"delivery_id":3})";
const char* kRefused =
    R"({"seq":9,"at":"2026-12-01T10:00:01.000Z","kind":"decision.refused","message_id":"m-2",)"
    R"("sender":"cps.london","event_type":"suspect.arrested","subject_ref":"V-1",)"
    R"("code":"not_permitted","reason":"no agreement covers this flow"})";

TEST(SubjectReport, JsonListsEveryFlowWithoutValues) {
  SubjectReport report("V-1");
  report.add(kAccepted);
  report.add(kRefused);
  report.add("not json");  // shown with what can be read: seq 0 and no fields
  EXPECT_EQ(report.size(), 3u);
  const auto text = report.json();
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(json::parse(text), json::parse(R"({"subject_ref":"V-1","flows":[
      {"seq":7,"at":"2026-12-01T10:00:00.000Z","kind":"decision.accepted","sender":"police.met",
       "recipient":"wcu.met","agreement":"met-wcu@2","event_type":"suspect.arrested",
       "case_urn":"01MP1","message_id":"m-1",
       "fields":[{"path":"victim.name","action":"share"},
                 {"path":"victim.dob","action":"generalise"}]},
      {"seq":9,"at":"2026-12-01T10:00:01.000Z","kind":"decision.refused","sender":"cps.london",
       "event_type":"suspect.arrested","message_id":"m-2","code":"not_permitted",
       "reason":"no agreement covers this flow","fields":[]},
      {"seq":0,"fields":[]}]})"));
  // Members in the documented order: seq first, fields last.
  EXPECT_LT(text.find("\"seq\""), text.find("\"at\""));
  EXPECT_LT(text.find("\"reason\""), text.rfind("\"fields\""));
}

TEST(SubjectReport, EmptyReport) {
  SubjectReport report("V-2");
  EXPECT_EQ(json::parse(report.json()), json::parse(R"({"subject_ref":"V-2","flows":[]})"));
  EXPECT_EQ(report.table(), "Subject access report for V-2: 0 records\n");
}

TEST(SubjectReport, TableHasOneLinePerFlow) {
  SubjectReport report("V-1");
  report.add(kAccepted);
  report.add(kRefused);
  const auto table = report.table();
  EXPECT_EQ(table.rfind("Subject access report for V-1: 2 records\nAT", 0), 0u) << table;
  EXPECT_NE(table.find("police.met -> wcu.met"), std::string::npos) << table;
  EXPECT_NE(table.find("victim.name:share;victim.dob:generalise"), std::string::npos) << table;
  EXPECT_NE(table.find("cps.london -> -"), std::string::npos) << table;
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 4) << table;
}

}  // namespace
}  // namespace accord::audit
