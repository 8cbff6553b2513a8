// The access hook (ServerOptions::on_access): one record per answered request on the mTLS
// listener, with the peer's certificate id and the path without its query, including the
// server's own refusals; never a header, a body or a query value.
#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "accord/testing/wait_until.hpp"
#include "server_fixture.hpp"

namespace accord::server::test {
namespace {

namespace bhttp = boost::beast::http;

struct PathRow {
  const char* target;
  const char* path;
};

class LoggablePathRows : public ::testing::TestWithParam<PathRow> {};

TEST_P(LoggablePathRows, Row) {
  EXPECT_EQ(loggable_path(GetParam().target), GetParam().path);
}

INSTANTIATE_TEST_SUITE_P(Paths, LoggablePathRows,
                         ::testing::Values(PathRow{"/v1/inbox", "/v1/inbox"},
                                           PathRow{
                                               "/v1/admin/audit/subject-report?subject_ref=SECRET",
                                               "/v1/admin/audit/subject-report"},
                                           PathRow{"/a#frag?x", "/a"}, PathRow{"?only=query", "-"},
                                           PathRow{"", "-"}, PathRow{"/x?", "/x"}));

TEST(LoggablePath, LongPathsAreCut) {
  const std::string path = loggable_path("/" + std::string(2000, 'a'));
  EXPECT_EQ(path.size(), 512u + 3u);
  EXPECT_TRUE(path.ends_with("...")) << path;
}

class AccessRecords : public ServerTest {
 protected:
  ServerOptions with_hook() {
    auto o = options();
    o.on_access = [this](const AccessRecord& record) {
      std::lock_guard lock(mu_);
      records_.push_back(record);
    };
    return o;
  }
  std::vector<AccessRecord> records(std::size_t at_least) {
    testing::wait_until([&] {
      std::lock_guard lock(mu_);
      return records_.size() >= at_least;
    });
    std::lock_guard lock(mu_);
    return records_;
  }

  std::mutex mu_;
  std::vector<AccessRecord> records_;
};

TEST_F(AccessRecords, OnePerRequestWithPeerAndPathWithoutQuery) {
  start(with_hook());
  auto c = client("agency-police.met");
  auto first = c->request(bhttp::verb::get, "/echo?subject_ref=SECRET-REF");
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = c->request(bhttp::verb::post, "/thread", "{\"secret\":\"SECRET-BODY\"}");
  ASSERT_TRUE(second.ok()) << second.error().message;
  const auto seen = records(2);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].peer, "police.met");
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].path, "/echo");
  EXPECT_EQ(seen[0].status, 200u);
  EXPECT_EQ(seen[0].bytes, first.value().body.size());
  EXPECT_GE(seen[0].duration_ms, 0);
  EXPECT_EQ(seen[1].method, "POST");
  EXPECT_EQ(seen[1].path, "/thread");
  EXPECT_EQ(seen[1].bytes, second.value().body.size());
  for (const auto& record : seen) {
    for (const auto& value : {record.peer, record.method, record.path}) {
      EXPECT_EQ(value.find("SECRET"), std::string::npos) << value;
    }
  }
}

TEST_F(AccessRecords, TheServersOwnRefusalsAreRecordedToo) {
  auto o = with_hook();
  o.max_body_bytes = 16;
  start(o);
  auto c = client("agency-police.met");
  auto res = c->request(bhttp::verb::post, "/echo?q=SECRET", std::string(1024, 'x'));
  ASSERT_TRUE(res.ok()) << res.error().message;
  ASSERT_EQ(res.value().status, 413u);
  const auto seen = records(1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].status, 413u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].path, "/echo");
  EXPECT_EQ(seen[0].peer, "police.met");
}

TEST_F(AccessRecords, NoHookNoRecords) {
  start();  // options() without on_access: the server runs as before
  auto c = client("agency-police.met");
  auto res = c->request(bhttp::verb::get, "/echo");
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res.value().status, 200u);
  std::lock_guard lock(mu_);
  EXPECT_TRUE(records_.empty());
}

}  // namespace
}  // namespace accord::server::test
