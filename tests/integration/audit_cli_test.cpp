// `accord audit query|export|verify|report` as real processes against a real gateway (mTLS on
// loopback, the sample London agreements, a real spool and signing key), and the auditor-only
// rule of /v1/admin/audit/*.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "harness.hpp"

namespace accord::test {
namespace {

using boost::beast::http::verb;
using nlohmann::json;

const char* kCase = "01MP0041726";
const char* kSubject = "V-7F3A91C2";

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

void write_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out(path, std::ios::trunc);
  for (const auto& l : lines) out << l << "\n";
}

class AuditCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gateway_ = std::make_unique<InProcessGateway>(write_config(dir_));
    const auto arrested = read_source_file("tests/data/integration/suspect_arrested.json");
    // Accepted (police.met has agreements for it), and the same from cps.london: refused.
    ASSERT_EQ(post("police.met", arrested).status, 202u);
    EXPECT_EQ(post("cps.london", arrested).status, 422u);
    // A referral: its encrypting flow has no recipient key here, so it is refused for that
    // provider (and accepted or refused for the others by their agreements).
    const auto referral = read_source_file("tests/data/envelope/referral_created.json");
    post("police.met", referral);
    auto key = make_client("police.met", gateway_->port())->request(verb::get, "/v1/gateway-key");
    ASSERT_TRUE(key.ok());
    ASSERT_EQ(key->status, 200u);
    std::ofstream(dir_.file("gateway-key.json")) << key->body;
  }

  client::HttpResult post(const std::string& who, const std::string& body) {
    auto r = make_client(who, gateway_->port())->request(verb::post, "/v1/messages", body);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : client::HttpResult{};
  }

  client::HttpResult admin(const std::string& who, verb method, const std::string& target) {
    auto r = make_client(who, gateway_->admin_port())->request(method, target);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : client::HttpResult{};
  }

  std::string cli() const { return binary_dir() + "/tools/accord/accord "; }

  // Connection flags for `who` (auditor, admin or an agency) against the admin listener.
  std::string as(const std::string& who) const {
    const auto& pki = Pki::get();
    const bool person = who == "admin" || who == "auditor";
    return " --gateway 127.0.0.1:" + std::to_string(gateway_->admin_port()) + " --ca " +
           pki.file("ca.pem") + " --cert " +
           (person ? pki.file(who + ".pem") : pki.agency_cert(who)) + " --key " +
           (person ? pki.file(who + ".key") : pki.agency_key(who)) + " ";
  }

  CommandResult verify(const std::string& file, const std::string& extra = {}) {
    return run_command(cli() + "audit verify " + file + " --gateway-key " +
                       dir_.file("gateway-key.json") + extra);
  }

  TempDir dir_;
  std::unique_ptr<InProcessGateway> gateway_;
};

TEST_F(AuditCliTest, OnlyAuditorCertificatesReachTheAuditEndpoints) {
  const std::vector<std::pair<verb, std::string>> endpoints = {
      {verb::get, "/v1/admin/audit/records"},
      {verb::get, "/v1/admin/audit/extract"},
      {verb::get, "/v1/admin/audit/checkpoints"},
      {verb::get, "/v1/admin/audit/head"},
      {verb::post, "/v1/admin/audit/checkpoint"}};
  for (const std::string who : {"police.met", "cps.london", "admin"}) {
    for (const auto& [method, target] : endpoints) {
      const auto r = admin(who, method, target);
      EXPECT_EQ(r.status, 403u) << who << " " << target << ": " << r.body;
      EXPECT_EQ(json::parse(r.body, nullptr, false)["error"]["code"], "forbidden") << r.body;
    }
  }
  for (const auto& [method, target] : endpoints) {
    EXPECT_EQ(admin("auditor", method, target).status, 200u) << target;
  }
  // The CLI with an admin certificate: refused by the gateway, exit 2.
  const auto refused = run_command(cli() + "audit query" + as("admin"));
  EXPECT_EQ(refused.status, 2) << refused.output;
  EXPECT_NE(refused.output.find("forbidden"), std::string::npos) << refused.output;
}

TEST_F(AuditCliTest, BadQueryParametersAre400) {
  for (const std::string query :
       {"decision=maybe", "from=yesterday", "limit=0", "case=x", "after_seq=-1",
        "case_urn=a&case_urn=b", "case_urn=%zz", "from=2026-02-01&to=2026-01-01"}) {
    const auto r = admin("auditor", verb::get, "/v1/admin/audit/records?" + query);
    EXPECT_EQ(r.status, 400u) << query << ": " << r.body;
    EXPECT_EQ(json::parse(r.body, nullptr, false)["error"]["code"], "invalid_query") << r.body;
  }
  EXPECT_EQ(admin("auditor", verb::post, "/v1/admin/audit/records").status, 405u);
  EXPECT_EQ(admin("auditor", verb::get, "/v1/admin/audit/nothing").status, 404u);
}

TEST_F(AuditCliTest, QueryByCaseDecisionAndFormat) {
  const auto all =
      run_command(cli() + "audit query --format jsonl --case " + kCase + as("auditor"));
  ASSERT_EQ(all.status, 0) << all.output;
  std::istringstream lines(all.output);
  std::string line;
  int accepted = 0, refused = 0;
  while (std::getline(lines, line)) {
    const auto record = json::parse(line, nullptr, false);
    ASSERT_TRUE(record.is_object()) << line;
    EXPECT_EQ(record["case_urn"], kCase) << line;
    accepted += record["kind"] == "decision.accepted";
    refused += record["kind"] == "decision.refused";
    EXPECT_EQ(line.find("07700 900123"), std::string::npos) << "a field value in the log";
  }
  EXPECT_GE(accepted, 1) << all.output;
  EXPECT_GE(refused, 1) << all.output;

  const auto only_refused = run_command(cli() + "audit query --format jsonl --decision refused" +
                                        " --sender cps.london" + as("auditor"));
  ASSERT_EQ(only_refused.status, 0) << only_refused.output;
  EXPECT_NE(only_refused.output.find("not_permitted"), std::string::npos) << only_refused.output;
  EXPECT_EQ(only_refused.output.find("decision.accepted"), std::string::npos);

  const auto table = run_command(cli() + "audit query --case " + kCase + as("auditor"));
  ASSERT_EQ(table.status, 0) << table.output;
  EXPECT_EQ(table.output.rfind("SEQ", 0), 0u) << table.output;
  EXPECT_NE(table.output.find("decision.refused"), std::string::npos) << table.output;

  const auto offline = run_command(cli() + "audit query --format jsonl --case " +
                                   std::string(kCase) + " --db " + dir_.file("spool.db"));
  ASSERT_EQ(offline.status, 0) << offline.output;
  EXPECT_EQ(offline.output, all.output);
}

TEST_F(AuditCliTest, ExportVerifiesAndEveryTamperingIsCaught) {
  const std::string out = dir_.file("case.jsonl");
  const auto exported =
      run_command(cli() + "audit export --out " + out + " --case " + kCase + as("auditor"));
  ASSERT_EQ(exported.status, 0) << exported.output;
  EXPECT_NE(exported.output.find("sealed by a checkpoint"), std::string::npos) << exported.output;
  const auto ok = verify(out, " --require-sealed");
  ASSERT_EQ(ok.status, 0) << ok.output;
  EXPECT_EQ(ok.output.rfind("OK ", 0), 0u) << ok.output;

  // An independent verifier written from docs/audit-format.md alone agrees.
  const char* source = std::getenv("ACCORD_SOURCE_DIR");
  ASSERT_NE(source, nullptr);
  const std::string python_verifier =
      std::string("/usr/bin/python3 ") + source + "/tests/interop/verify_audit.py ";
  const auto independent = run_command(python_verifier + out + " " + dir_.file("gateway-key.json"));
  EXPECT_EQ(independent.status, 0) << independent.output;
  EXPECT_EQ(independent.output.rfind("OK records=", 0), 0u) << independent.output;

  const auto lines = read_lines(out);
  ASSERT_GE(lines.size(), 4u);  // header, >= 2 records, checkpoint
  ASSERT_NE(lines.back().find("\"checkpoint\""), std::string::npos);
  struct Tamper {
    const char* name;
    std::vector<std::string> lines;
    const char* extra;
    const char* code;
  };
  std::vector<Tamper> cases;
  auto flipped = lines;
  const auto at = flipped[1].find("decision.");
  ASSERT_NE(at, std::string::npos) << flipped[1];
  flipped[1][at] = 'D';
  cases.push_back({"flipped byte", flipped, "", "chain_mismatch"});
  auto deleted = lines;
  deleted.erase(deleted.begin() + 2);
  cases.push_back({"deleted line", deleted, "", "seq_gap"});
  auto swapped = lines;
  std::swap(swapped[1], swapped[2]);
  cases.push_back({"swapped lines", swapped, "", "seq_gap"});
  auto cut = lines;
  cut.pop_back();
  cases.push_back({"checkpoint cut off", cut, " --require-sealed", "unsealed_tail"});
  auto half = lines;
  half.back() = half.back().substr(0, half.back().size() / 2);
  cases.push_back({"truncated mid-line", half, "", "malformed"});
  for (const auto& c : cases) {
    const std::string path = dir_.file("tampered.jsonl");
    write_lines(path, c.lines);
    const auto r = verify(path, c.extra);
    EXPECT_EQ(r.status, 1) << c.name << ": " << r.output;
    EXPECT_NE(r.output.find(std::string("FAILED ") + path + ": " + c.code), std::string::npos)
        << c.name << ": " << r.output;
    if (std::string(c.extra).empty() && std::string(c.code) != "malformed") {
      const auto other = run_command(python_verifier + path + " " + dir_.file("gateway-key.json"));
      EXPECT_EQ(other.status, 1) << c.name << ": " << other.output;
      EXPECT_NE(other.output.find(std::string("FAIL ") + c.code), std::string::npos)
          << c.name << ": " << other.output;
    }
  }
  // Usage and I/O problems are 2, never "tampered".
  EXPECT_EQ(verify(dir_.file("missing.jsonl")).status, 2);
  EXPECT_EQ(run_command(cli() + "audit verify " + out + " --gateway-key not-a-key").status, 2);
}

TEST_F(AuditCliTest, CsvExportCarriesItsProofAndTheDatabaseVerifies) {
  const std::string out = dir_.file("case.csv");
  const auto exported = run_command(cli() + "audit export --format csv --out " + out +
                                    " --subject " + kSubject + as("auditor"));
  ASSERT_EQ(exported.status, 0) << exported.output;
  const auto rows = read_lines(out);
  ASSERT_GE(rows.size(), 2u);
  EXPECT_EQ(rows[0].rfind("seq,at,kind,", 0), 0u) << rows[0];
  EXPECT_NE(rows[1].find(kSubject), std::string::npos) << rows[1];
  const auto proof = verify(out + ".proof.jsonl");
  EXPECT_EQ(proof.status, 0) << proof.output;

  // The live database, read-only while the gateway writes it.
  const auto db = run_command(cli() + "audit verify --db " + dir_.file("spool.db") +
                              " --gateway-key " + dir_.file("gateway-key.json"));
  EXPECT_EQ(db.status, 0) << db.output;
  EXPECT_NE(db.output.find("records/s"), std::string::npos) << db.output;
}

TEST_F(AuditCliTest, ReportsPerAgreementAndForOneSubject) {
  const auto report = run_command(cli() + "audit report --format json" + as("auditor"));
  ASSERT_EQ(report.status, 0) << report.output;
  const auto doc = json::parse(report.output, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << report.output;
  ASSERT_FALSE(doc["agreements"].empty()) << report.output;
  std::int64_t decisions = 0;
  for (const auto& a : doc["agreements"]) decisions += a["decisions"].get<std::int64_t>();
  EXPECT_GE(decisions, 1);
  EXPECT_FALSE(doc["refused"].empty()) << report.output;

  const auto subject = run_command(cli() + "audit report --subject " + kSubject + as("auditor"));
  ASSERT_EQ(subject.status, 0) << subject.output;
  EXPECT_NE(subject.output.find("Subject access report for " + std::string(kSubject)),
            std::string::npos)
      << subject.output;
  EXPECT_NE(subject.output.find("police.met -> "), std::string::npos) << subject.output;
  // Field names and actions, never their values.
  EXPECT_NE(subject.output.find("victim.dob:"), std::string::npos) << subject.output;
  EXPECT_EQ(subject.output.find("1987-03-14"), std::string::npos) << subject.output;
  EXPECT_EQ(subject.output.find("07700 900123"), std::string::npos) << subject.output;
}

}  // namespace
}  // namespace accord::test
