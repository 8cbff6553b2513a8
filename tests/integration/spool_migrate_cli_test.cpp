// `accord spool migrate` and `accord audit ... --db postgresql://...` as real processes: a real
// gateway (mTLS on loopback, the sample London agreements) fills its SQLite spool, stops, and
// its spool is migrated into a real PostgreSQL server (testing::shared_pg_cluster()). The
// auditor's commands then answer from PostgreSQL what they answered from the file.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "accord/testing/pg_cluster.hpp"
#include "harness.hpp"

namespace accord::test {
namespace {

using boost::beast::http::verb;
using nlohmann::json;

const char* kCase = "01MP0041726";

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

// The first column of the first row of `sql` on `uri` ("" when none).
std::string pg_query(const std::string& uri, const std::string& sql) {
  PGconn* conn = PQconnectdb(uri.c_str());
  EXPECT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
  PGresult* r = PQexec(conn, sql.c_str());
  const auto status = PQresultStatus(r);
  EXPECT_TRUE(status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK)
      << sql << ": " << PQresultErrorMessage(r);
  std::string out = PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
  PQclear(r);
  PQfinish(conn);
  return out;
}

class SpoolMigrateCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gateway_ = std::make_unique<InProcessGateway>(write_config(dir_));
    const auto arrested = read_source_file("tests/data/integration/suspect_arrested.json");
    ASSERT_EQ(post("police.met", arrested).status, 202u);
    EXPECT_EQ(post("cps.london", arrested).status, 422u);
    post("police.met", read_source_file("tests/data/envelope/referral_created.json"));
    auto key = make_client("police.met", gateway_->port())->request(verb::get, "/v1/gateway-key");
    ASSERT_TRUE(key.ok());
    ASSERT_EQ(key->status, 200u);
    std::ofstream(dir_.file("gateway-key.json")) << key->body;

    auto cluster = accord::testing::shared_pg_cluster();
    ASSERT_TRUE(cluster.ok()) << "PostgreSQL did not start: " << cluster.error().message;
    static std::atomic<int> counter{0};
    auto uri = (*cluster)->create_database("migrate_cli_" + std::to_string(::getpid()) + "_" +
                                           std::to_string(++counter));
    ASSERT_TRUE(uri.ok()) << uri.error().message;
    uri_ = *uri;
  }

  client::HttpResult post(const std::string& who, const std::string& body) {
    auto r = make_client(who, gateway_->port())->request(verb::post, "/v1/messages", body);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : client::HttpResult{};
  }

  std::string cli() const { return binary_dir() + "/tools/accord/accord "; }
  std::string key() const { return " --gateway-key " + dir_.file("gateway-key.json"); }
  std::string spool() const { return dir_.file("spool.db"); }

  CommandResult migrate(const std::string& to, const std::string& extra = {}) {
    return run_command(cli() + "spool migrate --from " + spool() + " --to '" + to + "'" + key() +
                       extra);
  }

  TempDir dir_;
  std::unique_ptr<InProcessGateway> gateway_;
  std::string uri_;
};

TEST_F(SpoolMigrateCliTest, MigratedLogVerifiesAndAnswersLikeTheFile) {
  gateway_.reset();  // a clean stop: the gateway seals its log and releases the spool
  const auto moved = migrate(uri_, " --batch 2");
  ASSERT_EQ(moved.status, 0) << moved.output;
  EXPECT_NE(moved.output.find("verified on arrival"), std::string::npos) << moved.output;
  EXPECT_NE(moved.output.find("audit_records 2/"), std::string::npos) << "progress per batch\n"
                                                                      << moved.output;

  const auto verified = run_command(cli() + "audit verify --db '" + uri_ + "'" + key());
  ASSERT_EQ(verified.status, 0) << verified.output;
  EXPECT_EQ(verified.output.rfind("OK " + uri_ + ": ", 0), 0u) << verified.output;
  // A password in the URI (trust authentication ignores it here) is never printed.
  std::string with_password = uri_;
  with_password.replace(with_password.find("@"), 1, ":hunter2@");
  const auto redacted = run_command(cli() + "audit verify --db '" + with_password + "'" + key());
  EXPECT_EQ(redacted.status, 0) << redacted.output;
  EXPECT_EQ(redacted.output.find("hunter2"), std::string::npos) << redacted.output;
  EXPECT_NE(redacted.output.find(":***@"), std::string::npos) << redacted.output;
  const auto file_verified = run_command(cli() + "audit verify --db " + spool() + key());
  ASSERT_EQ(file_verified.status, 0) << file_verified.output;
  // The same counts after the location: "OK <where>: N records, ...".
  EXPECT_EQ(verified.output.substr(verified.output.find(": "), 60),
            file_verified.output.substr(file_verified.output.find(": "), 60));

  // Extracts of the same filter are identical apart from the header's exported_at.
  for (const std::string& filter :
       {" --case " + std::string(kCase), std::string(" --kind decision."), std::string()}) {
    SCOPED_TRACE(filter);
    const std::string from_file = dir_.file("file.jsonl"), from_pg = dir_.file("pg.jsonl");
    const auto a =
        run_command(cli() + "audit export --db " + spool() + " --out " + from_file + filter);
    const auto b =
        run_command(cli() + "audit export --db '" + uri_ + "' --out " + from_pg + filter);
    ASSERT_EQ(a.status, 0) << a.output;
    ASSERT_EQ(b.status, 0) << b.output;
    auto la = read_lines(from_file), lb = read_lines(from_pg);
    ASSERT_GE(la.size(), 3u);
    ASSERT_EQ(la.size(), lb.size());
    auto ha = json::parse(la[0]), hb = json::parse(lb[0]);
    ha.erase("exported_at");
    hb.erase("exported_at");
    EXPECT_EQ(ha, hb);
    for (std::size_t i = 1; i < la.size(); ++i) EXPECT_EQ(la[i], lb[i]) << "line " << i + 1;
    const auto proof = run_command(cli() + "audit verify " + from_pg + key());
    EXPECT_EQ(proof.status, 0) << proof.output;
  }
  // Queries and reports too.
  for (const std::string& args :
       {std::string("query --format jsonl --limit 0"),
        "query --format jsonl --case " + std::string(kCase), std::string("report --format json")}) {
    const auto a = run_command(cli() + "audit " + args + " --db " + spool());
    const auto b = run_command(cli() + "audit " + args + " --db '" + uri_ + "'");
    ASSERT_EQ(a.status, 0) << a.output;
    EXPECT_EQ(b.status, 0) << b.output;
    EXPECT_EQ(a.output, b.output) << args;
  }

  // A second run finds the target holding a spool: refused, exit 2, nothing changed.
  const std::string records = pg_query(uri_, "SELECT count(*) FROM audit_records");
  const auto again = migrate(uri_);
  EXPECT_EQ(again.status, 2) << again.output;
  EXPECT_NE(again.output.find("already holds a spool"), std::string::npos) << again.output;
  EXPECT_EQ(pg_query(uri_, "SELECT count(*) FROM audit_records"), records);

  // A record altered in PostgreSQL: verify names the seq, exit 1.
  const std::string seq =
      pg_query(uri_, "SELECT min(seq) FROM audit_records WHERE kind = 'decision.accepted'");
  pg_query(uri_,
           "UPDATE audit_records SET record = replace(record, 'decision.accepted', "
           "'decision.refused') WHERE seq = " +
               seq);
  const auto tampered = run_command(cli() + "audit verify --db '" + uri_ + "'" + key());
  EXPECT_EQ(tampered.status, 1) << tampered.output;
  EXPECT_NE(tampered.output.find("FAILED " + uri_ + ": chain_mismatch at seq " + seq),
            std::string::npos)
      << tampered.output;
  // An index column changed in PostgreSQL: named too, and queries say so (exit 4).
  pg_query(uri_,
           "UPDATE audit_records SET record = replace(record, 'decision.refused', "
           "'decision.accepted') WHERE seq = " +
               seq);
  pg_query(uri_, "UPDATE audit_records SET case_urn = 'other' WHERE seq = " + seq);
  const auto index = run_command(cli() + "audit verify --db '" + uri_ + "'" + key());
  EXPECT_EQ(index.status, 1) << index.output;
  EXPECT_NE(index.output.find("index_mismatch at seq " + seq), std::string::npos) << index.output;
  const auto query = run_command(cli() + "audit query --format jsonl --case " + std::string(kCase) +
                                 " --db '" + uri_ + "'");
  EXPECT_EQ(query.status, 4) << query.output;
  EXPECT_NE(query.output.find("WARNING record " + seq + ": index column case_urn"),
            std::string::npos)
      << query.output;
}

TEST_F(SpoolMigrateCliTest, RefusalsAndUnreachableTargetsAreClearExitCodes) {
  // While the gateway runs, its spool is in use: refused, nothing written.
  const auto busy = migrate(uri_);
  EXPECT_EQ(busy.status, 1) << busy.output;
  EXPECT_NE(busy.output.find("stop the gateway"), std::string::npos) << busy.output;
  EXPECT_EQ(pg_query(uri_, "SELECT to_regclass('audit_records') IS NULL"), "t");
  gateway_.reset();

  struct Case {
    std::string args;
    int status;
    std::string says;
  };
  const std::string source = " --from " + spool();
  const std::vector<Case> cases = {
      {source + " --to 'postgresql://accord:secret@127.0.0.1:1/accord'" + key(), 3,
       "cannot connect"},
      {source + " --to " + dir_.file("other.db") + key(), 1, "must be a PostgreSQL URI"},
      {" --from " + dir_.file("missing.db") + " --to '" + uri_ + "'" + key(), 1, "missing.db"},
      {source + " --to '" + uri_ + "' --gateway-key not-a-key", 1, "--gateway-key"},
      {source + " --to '" + uri_ + "'", 1, "gateway-key"},
      {source + " --to '" + uri_ + "'" + key() + " --batch 0", 1, "--batch"},
  };
  for (const auto& c : cases) {
    const auto r = run_command("env -u ACCORD_GATEWAY_KEY " + cli() + "spool migrate" + c.args);
    EXPECT_EQ(r.status, c.status) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find(c.says), std::string::npos) << c.args << "\n" << r.output;
    EXPECT_EQ(r.output.find("secret"), std::string::npos) << r.output;
  }
  EXPECT_EQ(pg_query(uri_, "SELECT to_regclass('audit_records') IS NULL"), "t");

  // A key other than the gateway's (a valid one): the source's checkpoints do not verify
  // under it, so nothing is moved (exit 4).
  const auto wrong = run_command(cli() + "spool migrate --from " + spool() + " --to '" + uri_ +
                                 "' --gateway-key 5uiH+nwRCFMHqRI1AmcIeUDznY6FIytZhn03UQGQL4A=");
  EXPECT_EQ(wrong.status, 4) << wrong.output;
  EXPECT_NE(wrong.output.find("nothing was written"), std::string::npos) << wrong.output;
  EXPECT_EQ(pg_query(uri_, "SELECT to_regclass('audit_records') IS NULL"), "t");
}

}  // namespace
}  // namespace accord::test
