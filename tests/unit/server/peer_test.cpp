#include "accord/server/peer.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace accord::server {
namespace {

struct UriRow {
  std::string uri;
  std::optional<PeerRole> role;  // nullopt: not an identity
  std::string id;
};

class ParseIdentityUri : public ::testing::TestWithParam<UriRow> {};

TEST_P(ParseIdentityUri, Row) {
  const UriRow& row = GetParam();
  auto got = parse_identity_uri(row.uri);
  if (!row.role) {
    EXPECT_FALSE(got.has_value()) << row.uri << " parsed as " << got->id;
    return;
  }
  ASSERT_TRUE(got.has_value()) << row.uri;
  EXPECT_EQ(got->role, *row.role);
  EXPECT_EQ(got->id, row.id);
  EXPECT_TRUE(got->subject.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseIdentityUri,
    ::testing::Values(UriRow{"urn:accord:agency:police.met", PeerRole::agency, "police.met"},
                      UriRow{"urn:accord:agency:provider.survivors-uk", PeerRole::agency,
                             "provider.survivors-uk"},
                      UriRow{"urn:accord:agency:a", PeerRole::agency, "a"},
                      UriRow{"urn:accord:agency:9_x", PeerRole::agency, "9_x"},
                      UriRow{"urn:accord:admin:admin", PeerRole::admin, "admin"},
                      UriRow{"urn:accord:auditor:ig.lead", PeerRole::auditor, "ig.lead"},
                      // Negative rows: wrong scheme, unknown role, empty or unsafe ids, case games.
                      UriRow{"", std::nullopt, ""}, UriRow{"urn:accord:agency:", std::nullopt, ""},
                      UriRow{"urn:accord:agency", std::nullopt, ""},
                      UriRow{"urn:accord:root:alice", std::nullopt, ""},
                      UriRow{"urn:accord:agency:Police.Met", std::nullopt, ""},
                      UriRow{"URN:accord:agency:police.met", std::nullopt, ""},
                      UriRow{"urn:accord:agency:.hidden", std::nullopt, ""},
                      UriRow{"urn:accord:agency:-dash", std::nullopt, ""},
                      UriRow{"urn:accord:agency:police met", std::nullopt, ""},
                      UriRow{"urn:accord:agency:police/met", std::nullopt, ""},
                      UriRow{"urn:accord:agency:police:met", std::nullopt, ""},
                      UriRow{"urn:accord:admin:al\xc3\xa9", std::nullopt, ""},
                      UriRow{std::string("urn:accord:agency:po\0lice", 24), std::nullopt, ""},
                      UriRow{"urn:accord:agency:" + std::string(129, 'a'), std::nullopt, ""},
                      UriRow{"https://accord.example/agency/police.met", std::nullopt, ""},
                      UriRow{" urn:accord:agency:police.met", std::nullopt, ""}));

TEST(ParseIdentityUri, LongestAllowedIdIsAccepted) {
  auto got = parse_identity_uri("urn:accord:agency:" + std::string(128, 'a'));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->id.size(), 128u);
}

TEST(RoleName, EveryRole) {
  EXPECT_EQ(role_name(PeerRole::agency), "agency");
  EXPECT_EQ(role_name(PeerRole::admin), "admin");
  EXPECT_EQ(role_name(PeerRole::auditor), "auditor");
}

}  // namespace
}  // namespace accord::server
