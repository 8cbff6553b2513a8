// The harness's development agreement signing (harness.hpp): every config write_config makes
// has each sample agreement co-signed by all its parties, so the gateway holds none back, and
// sign_agreements with a parties filter signs for those parties only. The gateway judges the
// statements (GET /v1/admin/agreements), not the harness.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "harness.hpp"

namespace accord::test {
namespace {

namespace fs = std::filesystem;
using boost::beast::http::verb;
using nlohmann::json;

json list_agreements(const InProcessGateway& gateway) {
  auto auditor = make_client("auditor", gateway.admin_port());
  const auto listed = auditor->request(verb::get, "/v1/admin/agreements", "");
  EXPECT_TRUE(listed.ok() && listed->status == 200u);
  return listed.ok() ? json::parse(listed->body, nullptr, false)["agreements"] : json::array();
}

const json& find(const json& agreements, const std::string& id) {
  for (const auto& a : agreements) {
    if (a["id"] == id) return a;
  }
  throw std::runtime_error(id + " is not listed");
}

TEST(HarnessSigning, WriteConfigCoSignsEverySampleAgreement) {
  TempDir dir;
  InProcessGateway gateway(write_config(dir));
  const json agreements = list_agreements(gateway);
  ASSERT_EQ(agreements.size(), 11u) << agreements.dump();  // config/agreements
  for (const auto& a : agreements) {
    EXPECT_EQ(a["governance"], "active") << a.dump();
    EXPECT_EQ(a["missing"], json::array()) << a.dump();
    EXPECT_FALSE(a.contains("held_reason")) << a.dump();
  }
  const json& lvws = find(agreements, "met-lvws-referral");
  ASSERT_EQ(lvws["signed_by"].size(), 2u) << lvws.dump();
  EXPECT_EQ(lvws["signed_by"][0]["kid"], dev_signing_secret("police.met").key.kid);
  EXPECT_EQ(lvws["signed_by"][1]["kid"], dev_signing_secret("provider.lvws").key.kid);
}

TEST(HarnessSigning, SignAgreementsSignsForTheNamedPartiesOnly) {
  TempDir dir, agreements, signatures;
  fs::copy(source_dir() + "/config/agreements", agreements.path(), fs::copy_options::recursive);
  // A config naming its own signatures directory governs itself: the harness signs nothing.
  const std::string keys = dir.file("keys");
  const std::string config = write_config(
      dir, "keys: " + keys + "\nsignatures: " + signatures.path() + "\n", agreements.path());
  EXPECT_TRUE(fs::is_empty(signatures.path()));
  DevSigningKeys::get().register_in(keys);
  // police.met is a party of six samples.
  EXPECT_EQ(sign_agreements(agreements.path(), signatures.path(), {"police.met"}), 6);

  InProcessGateway gateway(config);
  const json listed = list_agreements(gateway);
  const json& lvws = find(listed, "met-lvws-referral");
  EXPECT_EQ(lvws["governance"], "awaiting_signatures") << lvws.dump();
  EXPECT_EQ(lvws["missing"], json::array({"provider.lvws"})) << lvws.dump();
  const json& court = find(listed, "court-wcu-results");
  EXPECT_EQ(court["missing"], json::array({"court.london", "wcu.met"})) << court.dump();
}

}  // namespace
}  // namespace accord::test
