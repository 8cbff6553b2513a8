// Revocation without a restart (issue 12, item 2): reload_tls() and the CRL watcher load a
// new CRL, new handshakes are judged by it, live connections of a certificate it revokes are
// closed, and the CRL's nextUpdate is a gauge with a warning before it passes. Real TLS on
// loopback; CRLs and client certificates are made per test by the dev CA (test_crl.hpp).
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "accord/server/crl.hpp"
#include "accord/testing/temp_dir.hpp"
#include "accord/testing/test_crl.hpp"
#include "accord/testing/wait_until.hpp"
#include "server_fixture.hpp"

namespace accord::server::test {
namespace {

namespace bhttp = boost::beast::http;
using std::chrono::hours;
using std::chrono::seconds;

constexpr const char* kFailures = "accord_tls_handshake_failures_total";
constexpr const char* kClosed = "accord_tls_revalidation_closed_total";
constexpr const char* kNextUpdate = "accord_tls_crl_next_update_seconds";

std::int64_t unix_now() {
  return std::chrono::duration_cast<seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---- nextUpdate: fresh, expiring (warn), expired ----

struct FreshnessRow {
  std::string name;
  std::int64_t next_update;  // relative to now = 1'000'000; 0 = none given
  std::int64_t warn_before_s;
  CrlFreshness want;
};

class Freshness : public ::testing::TestWithParam<FreshnessRow> {};

TEST_P(Freshness, ByDistanceToNextUpdate) {
  const auto& row = GetParam();
  constexpr std::int64_t kNow = 1'000'000;
  const std::int64_t next = row.next_update == 0 ? 0 : kNow + row.next_update;
  EXPECT_EQ(crl_freshness(next, kNow, seconds(row.warn_before_s)), row.want)
      << freshness_name(crl_freshness(next, kNow, seconds(row.warn_before_s)));
}

INSTANTIATE_TEST_SUITE_P(
    Table, Freshness,
    ::testing::Values(FreshnessRow{"none_given", 0, 3600, CrlFreshness::fresh},
                      FreshnessRow{"far", 7200, 3600, CrlFreshness::fresh},
                      FreshnessRow{"just_outside_window", 3601, 3600, CrlFreshness::fresh},
                      FreshnessRow{"at_window_edge", 3600, 3600, CrlFreshness::expiring},
                      FreshnessRow{"one_second_left", 1, 3600, CrlFreshness::expiring},
                      FreshnessRow{"passed", -1, 3600, CrlFreshness::expired},
                      FreshnessRow{"long_passed", -86400, 3600, CrlFreshness::expired}),
    [](const auto& info) { return info.param.name; });

TEST(CrlNextUpdate, ReachedIsExpired) {
  EXPECT_EQ(crl_freshness(500, 500, seconds(10)), CrlFreshness::expired);
}

TEST(FileStampTest, ChangesWhenTheFileIsReplacedOrRewritten) {
  testing::TempDir dir("accord-stamp-");
  const auto path = dir.file("crl.pem");
  std::ofstream(path) << "one";
  const auto first = stamp_file(path);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(stamp_file(path), first);               // nothing happened
  std::ofstream(path, std::ios::trunc) << "other";  // rewritten in place, another size
  EXPECT_NE(stamp_file(path), first);
  const auto second = stamp_file(path);
  std::ofstream(dir.file("new.pem")) << "other";  // same size, replaced by rename
  ASSERT_EQ(std::rename(dir.file("new.pem").c_str(), path.c_str()), 0);
  EXPECT_NE(stamp_file(path), second);
  EXPECT_FALSE(stamp_file(dir.file("absent.pem")).has_value());
}

// ---- reload over real TLS ----

class RevocationTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    ASSERT_TRUE(pki().ok()) << pki().error();
    ca_key_ = pki().dir() + "/ca.key";
    auto made = testing::make_client_cert(pki().ca(), ca_key_, dir_.path(), "fresh",
                                          "URI:urn:accord:agency:police.met");
    ASSERT_TRUE(made.ok()) << made.error().message;
    crl_ = dir_.file("crl.pem");
    write({pki().cert("revoked")}, hours(2));
  }

  // The CRL at crl_, revoking `revoked`, with nextUpdate `valid_for` from now.
  void write(const std::vector<std::string>& revoked, seconds valid_for) {
    now_ = unix_now();
    auto st =
        testing::write_crl(pki().ca(), ca_key_, revoked, now_ - 60, now_ + valid_for.count(), crl_);
    ASSERT_TRUE(st.ok()) << st.error().message;
  }

  ServerOptions revocation_options() const {
    auto o = options();
    o.tls.crl = crl_;
    o.idle_timeout = std::chrono::milliseconds(30'000);  // live connections stay live
    return o;
  }

  std::unique_ptr<client::HttpsClient> fresh_client() {
    client::ClientOptions o;
    o.port = port();
    o.ca = pki().ca();
    o.cert = dir_.file("fresh.pem");
    o.key = dir_.file("fresh.key");
    o.timeout = std::chrono::milliseconds(5000);
    auto c = client::HttpsClient::create(o);
    if (!c) ADD_FAILURE() << c.error().message;
    return c ? std::move(*c) : nullptr;
  }

  bool served(client::HttpsClient& c) {
    auto res = c.request(bhttp::verb::get, "/echo");
    return res.ok() && res->status == 200;
  }

  testing::TempDir dir_{"accord-revocation-"};
  std::string ca_key_;
  std::string crl_;
  std::int64_t now_ = 0;
};

TEST_F(RevocationTest, ReloadRevokesLiveConnectionsAndNewHandshakes) {
  start(revocation_options());
  EXPECT_EQ(metric(kNextUpdate), static_cast<double>(now_ + 7200));
  auto fresh = fresh_client();
  auto other = client("agency-cps.london");
  ASSERT_TRUE(fresh && other);
  ASSERT_TRUE(served(*fresh));
  ASSERT_TRUE(served(*other));
  write({pki().cert("revoked"), dir_.file("fresh.pem")}, hours(1));
  auto reloaded = server_->reload_tls();
  ASSERT_TRUE(reloaded.ok()) << reloaded.error().message;
  EXPECT_EQ(reloaded->crls, 1u);
  EXPECT_EQ(reloaded->next_update, now_ + 3600);
  EXPECT_EQ(metric(kNextUpdate), static_cast<double>(now_ + 3600));

  // The revoked agency's open connection is cut, its new handshakes refused.
  EXPECT_EQ(await_metric(kClosed, {{"reason", "revoked"}}, 1), 1);
  EXPECT_FALSE(served(*fresh));
  auto again = fresh_client();
  ASSERT_NE(again, nullptr);
  EXPECT_FALSE(served(*again));
  EXPECT_GE(await_metric(kFailures, {{"reason", "revoked"}}, 1), 1);
  // Everyone else keeps their connection: the same one serves again, nothing reconnected.
  EXPECT_TRUE(served(*other));
  EXPECT_EQ(metric(kClosed, {{"reason", "revoked"}}), 1);
}

TEST_F(RevocationTest, OtherAgenciesKeepTheirConnection) {
  start(revocation_options());
  auto other = client("agency-cps.london");
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(served(*other));
  write({pki().cert("revoked"), dir_.file("fresh.pem")}, hours(1));
  ASSERT_TRUE(server_->reload_tls().ok());
  ASSERT_TRUE(served(*other));
  // One TCP connection served both requests: the reload did not cut it.
  EXPECT_EQ(metric("accord_connections_total"), 1);
  EXPECT_EQ(metric(kClosed, {{"reason", "revoked"}}), 0);
}

TEST_F(RevocationTest, BadCrlOnReloadKeepsTheCurrentOne) {
  start(revocation_options());
  std::ofstream(crl_, std::ios::trunc) << "not a CRL\n";
  auto reloaded = server_->reload_tls();
  ASSERT_FALSE(reloaded.ok());
  EXPECT_EQ(reloaded.error().code, "tls_config");
  // The previous CRL still judges: revoked stays refused, the fresh certificate is served.
  auto fresh = fresh_client();
  ASSERT_NE(fresh, nullptr);
  EXPECT_TRUE(served(*fresh));
  EXPECT_EQ(metric(kNextUpdate), static_cast<double>(now_ + 7200));
}

TEST_F(RevocationTest, WatcherPicksUpAChangedCrlFile) {
  auto o = revocation_options();
  o.crl_check_interval = std::chrono::milliseconds(20);
  start(o);
  auto fresh = fresh_client();
  ASSERT_NE(fresh, nullptr);
  ASSERT_TRUE(served(*fresh));
  // No reload call: the file changing is enough.
  write({pki().cert("revoked"), dir_.file("fresh.pem")}, hours(3));
  EXPECT_EQ(await_metric(kClosed, {{"reason", "revoked"}}, 1), 1);
  EXPECT_TRUE(testing::wait_until(
      [&] { return metric(kNextUpdate) == static_cast<double>(now_ + 3 * 3600); }));
  auto again = fresh_client();
  ASSERT_NE(again, nullptr);
  EXPECT_FALSE(served(*again));
}

TEST_F(RevocationTest, WithoutAnIntervalTheFileAloneChangesNothing) {
  start(revocation_options());  // crl_check_interval 0: reload only
  const double loaded = metric(kNextUpdate);
  write({pki().cert("revoked"), dir_.file("fresh.pem")}, hours(3));
  auto fresh = fresh_client();
  ASSERT_NE(fresh, nullptr);
  EXPECT_TRUE(served(*fresh));
  EXPECT_EQ(metric(kNextUpdate), loaded);
}

TEST_F(RevocationTest, RevocationNoneHasNoCrlGauge) {
  auto o = options();
  o.tls.crl.clear();
  o.tls.revocation = Revocation::none;
  start(o);
  EXPECT_EQ(metric(kNextUpdate), 0);
  auto reloaded = server_->reload_tls();
  ASSERT_TRUE(reloaded.ok()) << reloaded.error().message;
  EXPECT_EQ(reloaded->crls, 0u);
}

}  // namespace
}  // namespace accord::server::test
