// The console's admin endpoints through the real gateway (mTLS on loopback, the sample London
// agencies and agreements, a real spool): who may call each and what they answer
// (gateway/api/src/console_api_routes.hpp, docs/api.yaml).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "harness.hpp"

namespace accord::test {
namespace {

using boost::beast::http::verb;
using nlohmann::json;

class ConsoleApiTest : public ::testing::Test {
 protected:
  void SetUp() override { gateway_ = std::make_unique<InProcessGateway>(write_config(dir_)); }

  client::HttpResult admin(const std::string& who, verb method, const std::string& target) {
    auto r = make_client(who, gateway_->admin_port())->request(method, target);
    EXPECT_TRUE(r.ok()) << target;
    return r.ok() ? *r : client::HttpResult{};
  }

  TempDir dir_;
  std::unique_ptr<InProcessGateway> gateway_;
};

TEST_F(ConsoleApiTest, WhoamiNamesTheCertificate) {
  for (const std::string who : {"admin", "auditor"}) {
    const auto r = admin(who, verb::get, "/v1/admin/whoami");
    ASSERT_EQ(r.status, 200u) << r.body;
    const auto body = json::parse(r.body);
    EXPECT_EQ(body["id"], who);
    EXPECT_EQ(body["role"], who);
    // The subject as the listener read it from the certificate (RFC 2253: last RDN first).
    EXPECT_NE(body["subject"].get<std::string>().find("CN=" + who), std::string::npos) << r.body;
  }
  const auto agency = admin("police.met", verb::get, "/v1/admin/whoami");
  EXPECT_EQ(agency.status, 403u);
  EXPECT_EQ(json::parse(agency.body)["error"]["code"], "forbidden");
  EXPECT_EQ(admin("admin", verb::post, "/v1/admin/whoami").status, 405u);
}

}  // namespace
}  // namespace accord::test
