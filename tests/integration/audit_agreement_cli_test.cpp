// `accord audit agreement ID@VERSION` as a real process against a real gateway (mTLS on
// loopback, the sample London agreements co-signed by the harness's development signing keys,
// a real spool): end to end, the agreement version named by a real decision is retrieved from
// the archive the gateway wrote at start (its agreement.proposed record) and its text is the
// file that governed it, byte for byte, from the gateway, from the spool file (--db) and from
// an export (--export); and what the command refuses.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "accord/governance/archive.hpp"
#include "accord/governance/signing.hpp"
#include "harness.hpp"

namespace accord::test {
namespace {

using boost::beast::http::verb;
using nlohmann::json;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The sample agreement file of id@version (config/agreements), and its name.
std::pair<std::string, std::string> sample_file(const governance::AgreementRef& ref) {
  for (const auto& entry :
       std::filesystem::directory_iterator(source_dir() + "/config/agreements")) {
    const std::string text = read_file(entry.path().string());
    if (text.find("\nid: " + ref.id + "\n") != std::string::npos ||
        text.starts_with("id: " + ref.id + "\n")) {
      if (text.find("\nversion: " + std::to_string(ref.version) + "\n") != std::string::npos) {
        return {entry.path().filename().string(), text};
      }
    }
  }
  return {};
}

class AuditAgreementCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gateway_ = std::make_unique<InProcessGateway>(write_config(dir_));
    const auto arrested = read_source_file("tests/data/integration/suspect_arrested.json");
    auto posted =
        make_client("police.met", gateway_->port())->request(verb::post, "/v1/messages", arrested);
    ASSERT_TRUE(posted.ok());
    ASSERT_EQ(posted->status, 202u) << posted->body;
    // The decision that made a copy, and the agreement version that governed it.
    auto records = auditor_get("/v1/admin/audit/records?decision=accepted&sender=police.met");
    ASSERT_EQ(records.status, 200u) << records.body;
    const std::string first = records.body.substr(0, records.body.find('\n'));
    auto governing = governance::governing_agreement(first);
    ASSERT_TRUE(governing.has_value()) << first;
    ref_ = *governing;
    std::tie(file_, text_) = sample_file(ref_);
    ASSERT_FALSE(text_.empty()) << "no sample file for " << ref_.to_string();
  }

  client::HttpResult auditor_get(const std::string& target) {
    auto r = make_client("auditor", gateway_->admin_port())->request(verb::get, target);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : client::HttpResult{};
  }

  // The version's agreement.* records in the log.
  std::size_t history_size() {
    const auto r =
        auditor_get("/v1/admin/audit/records?kind=agreement.&agreement=" + ref_.to_string());
    std::size_t n = 0;
    for (char c : r.body) n += c == '\n';
    return n;
  }

  std::string cli() const { return binary_dir() + "/tools/accord/accord audit agreement "; }

  std::string as(const std::string& who) const {
    const auto& pki = Pki::get();
    return " --gateway 127.0.0.1:" + std::to_string(gateway_->admin_port()) + " --ca " +
           pki.file("ca.pem") + " --cert " + pki.file(who + ".pem") + " --key " +
           pki.file(who + ".key") + " ";
  }

  // Runs `arguments`, stdout into `out`, stderr into `err` (files in dir_); returns the status.
  struct Split {
    int status = -1;
    std::string out, err;
  };
  Split run_split(const std::string& arguments) {
    const std::string out = dir_.file("stdout"), err = dir_.file("stderr");
    Split s;
    s.status = run_command("(" + cli() + arguments + " >" + out + " 2>" + err + ")").status;
    s.out = read_file(out);
    s.err = read_file(err);
    return s;
  }

  TempDir dir_;
  std::unique_ptr<InProcessGateway> gateway_;
  governance::AgreementRef ref_;
  std::string file_, text_;
};

TEST_F(AuditAgreementCliTest, TheTextThatGovernedADecisionFromTheGateway) {
  const auto r = run_split(ref_.to_string() + as("auditor"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, text_);  // exactly the file's bytes, nothing added
  EXPECT_NE(r.err.find(ref_.to_string() + "  " + governance::content_hash(text_)),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("text verified"), std::string::npos) << r.err;
  for (const char* kind : {"agreement.proposed", "agreement.signed", "agreement.activated"}) {
    EXPECT_NE(r.err.find(kind), std::string::npos) << kind << "\n" << r.err;
  }
  // The read is itself in the log, naming the auditor.
  const auto reads = auditor_get("/v1/admin/audit/records?kind=audit.read");
  ASSERT_EQ(reads.status, 200u);
  bool found = false;
  std::istringstream lines(reads.body);
  std::string line;
  while (std::getline(lines, line)) {
    const auto record = json::parse(line);
    if (record["details"].value("endpoint", "") != "agreement") continue;
    found = true;
    EXPECT_EQ(record["details"]["actor_role"], "auditor");
    EXPECT_EQ(record["details"]["returned"], std::to_string(history_size()));
    EXPECT_EQ(record["details"]["filter"],
              R"({"agreement":")" + ref_.to_string() + R"(","kind":"agreement."})");
  }
  EXPECT_TRUE(found) << reads.body;
}

TEST_F(AuditAgreementCliTest, OutWritesTheExactBytesThatSha256sumMatches) {
  const std::string out = dir_.file("archived.yaml");
  const auto r = run_split(ref_.to_string() + " --out " + out + as("auditor"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(read_file(out), text_);
  struct stat st {};
  ASSERT_EQ(::stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  const auto sum = run_command("sha256sum " + out);
  ASSERT_EQ(sum.status, 0) << sum.output;
  EXPECT_EQ("sha256:" + sum.output.substr(0, 64), governance::content_hash(text_));
}

TEST_F(AuditAgreementCliTest, TheSameFromTheDatabaseAndFromAnExport) {
  const auto online = run_split(ref_.to_string() + " --json" + as("auditor"));
  ASSERT_EQ(online.status, 0) << online.err;
  const auto doc = json::parse(online.out);
  EXPECT_EQ(doc["text"], text_);
  EXPECT_EQ(doc["verified"], true);
  // What the gateway wrote at start: proposed, a signature per party, activated.
  const auto& history = doc["history"];
  ASSERT_GE(history.size(), 3u) << online.out;
  EXPECT_EQ(history.front()["kind"], "agreement.proposed");
  EXPECT_EQ(history.front()["details"]["file"], file_);
  EXPECT_EQ(history.back()["kind"], "agreement.activated");
  const auto parties = history.front()["details"]["parties"].get<std::string>();
  std::vector<std::string> signers;
  for (std::size_t i = 1; i + 1 < history.size(); ++i) {
    EXPECT_EQ(history[i]["kind"], "agreement.signed") << history[i].dump();
    signers.push_back(history[i]["details"]["agency"].get<std::string>());
  }
  // Every party signed, each once (in whatever order the statements were read).
  std::vector<std::string> expected;
  std::istringstream split(parties);
  for (std::string p; std::getline(split, p, ',');) expected.push_back(p);
  std::sort(expected.begin(), expected.end());
  std::sort(signers.begin(), signers.end());
  EXPECT_EQ(signers, expected);
  EXPECT_EQ(history.back()["details"]["signed_by"], parties);

  const auto offline = run_split(ref_.to_string() + " --json --db " + dir_.file("spool.db"));
  ASSERT_EQ(offline.status, 0) << offline.err;
  EXPECT_EQ(offline.out, online.out);

  const std::string exported = dir_.file("export.jsonl");
  const auto e = run_command(binary_dir() + "/tools/accord/accord audit export --out " + exported +
                             as("auditor"));
  ASSERT_EQ(e.status, 0) << e.output;
  const auto from_export = run_split(ref_.to_string() + " --json --export " + exported);
  ASSERT_EQ(from_export.status, 0) << from_export.err;
  EXPECT_EQ(from_export.out, online.out);
  const auto text_only = run_split(ref_.to_string() + " --export " + exported);
  ASSERT_EQ(text_only.status, 0) << text_only.err;
  EXPECT_EQ(text_only.out, text_);
}

TEST_F(AuditAgreementCliTest, UnknownVersionsBadInputAndTheWrongCertificateExit2) {
  struct Row {
    std::string arguments;
    std::string message;
  };
  const std::vector<Row> rows = {
      {ref_.id + "@999" + as("auditor"), "unknown_version"},
      {ref_.id + "@999 --db " + dir_.file("spool.db"), "archives no text for " + ref_.id + "@999"},
      {"no-such-agreement@1" + as("auditor"), "unknown_version"},
      {ref_.to_string() + as("admin"), "forbidden"},
      {ref_.id + as("auditor"), "not an agreement version"},
      {ref_.to_string() + " --db " + dir_.file("missing.db"), "missing.db"},
      {ref_.to_string() + " --export " + dir_.file("spool.db"), "not an audit export"},
  };
  for (const auto& row : rows) {
    const auto r = run_split(row.arguments);
    EXPECT_EQ(r.status, 2) << row.arguments << "\n" << r.err;
    EXPECT_NE(r.err.find(row.message), std::string::npos) << row.arguments << "\n" << r.err;
    EXPECT_EQ(r.out, "") << row.arguments;
  }
}

TEST_F(AuditAgreementCliTest, AChangedTextExits1) {
  gateway_->stop();
  gateway_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.file("spool.db").c_str(), &db), SQLITE_OK);
  // Someone with write access adds a recipient to the archived text.
  const std::string statement =
      "UPDATE audit_records SET record = replace(record, 'recipients:', 'recipients: [x]') "
      "WHERE kind = 'agreement.proposed' AND agreement = '" +
      ref_.to_string() + "'";
  ASSERT_EQ(sqlite3_exec(db, statement.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_changes(db), 1);
  sqlite3_close(db);
  const auto r = run_split(ref_.to_string() + " --db " + dir_.file("spool.db"));
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find("does not match its content hash"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("TEXT DOES NOT MATCH ITS HASH"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("recipients: [x]"), std::string::npos);
}

}  // namespace
}  // namespace accord::test
