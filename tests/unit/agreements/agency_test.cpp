#include "accord/agreements/agency.hpp"

#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace accord::agreements {
namespace {

TEST(AgencyDirectory, ShippedLondonDirectoryParses) {
  const AgencyDirectory& dir = testing::directory();
  for (const char* id : {"police.met", "cps.london", "wcu.met", "provider.lvws",
                         "provider.survivors-uk", "probation.london", "court.london"}) {
    EXPECT_TRUE(dir.contains(id)) << id;
  }
  EXPECT_TRUE(dir.find("police.met")->competent_authority);
  EXPECT_FALSE(dir.find("provider.lvws")->competent_authority);
  EXPECT_EQ(dir.find("provider.lvws")->kind, "provider");
  EXPECT_EQ(dir.find("nobody.here"), nullptr);
  // issue 15: the oversight body and the gateway itself (sender of the compliance summary).
  EXPECT_EQ(dir.find("oversight.mopac")->kind, "oversight");
  EXPECT_EQ(dir.find("gateway.london")->kind, "gateway");
}

struct BadDirectory {
  const char* name;
  const char* yaml;
  const char* where;  // expected "line:col"
};

class AgencyDirectoryErrors : public ::testing::TestWithParam<BadDirectory> {};

TEST_P(AgencyDirectoryErrors, RefusedWithPosition) {
  const auto r = AgencyDirectory::parse(GetParam().yaml);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "invalid_agencies");
  EXPECT_EQ(r.error().path, GetParam().where) << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Rows, AgencyDirectoryErrors,
    ::testing::Values(
        BadDirectory{"not_a_map", "- a\n", "1:1"},
        BadDirectory{"unknown_top_key", "agencies: []\nextra: 1\n", "2:1"},
        BadDirectory{"unknown_agency_key",
                     "agencies:\n  - {id: police.x, name: X, kind: police, colour: red}\n", "2:43"},
        BadDirectory{"missing_kind", "agencies:\n  - {id: police.x, name: X}\n", "2:5"},
        BadDirectory{"bad_kind", "agencies:\n  - {id: bank.x, name: X, kind: bank}\n", "2:33"},
        BadDirectory{"any_is_no_agency_kind", "agencies:\n  - {id: any.x, name: X, kind: any}\n",
                     "2:32"},
        BadDirectory{"id_not_kind_prefixed", "agencies:\n  - {id: met, name: X, kind: police}\n",
                     "2:10"},
        BadDirectory{"uppercase_id", "agencies:\n  - {id: police.MET, name: X, kind: police}\n",
                     "2:10"},
        BadDirectory{"bad_bool",
                     "agencies:\n  - {id: police.x, name: X, kind: police, competent_authority: "
                     "yes}\n",
                     "2:64"},
        BadDirectory{"duplicate",
                     "agencies:\n  - {id: police.x, name: X, kind: police}\n"
                     "  - {id: police.x, name: Y, kind: police}\n",
                     "3:10"},
        BadDirectory{"duplicate_key_in_agency",
                     "agencies:\n  - {id: police.x, name: X, kind: police, name: Y}\n", "2:43"},
        BadDirectory{"duplicate_top_key", "agencies: []\nagencies: []\n", "2:1"},
        BadDirectory{"two_documents", "agencies: []\n---\nagencies: []\n", "3:1"},
        BadDirectory{"syntax", "agencies: [\n", "2:1"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace accord::agreements
