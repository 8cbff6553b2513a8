// `accord audit query|export|verify|report` as real processes against a real gateway (mTLS on
// loopback, the sample London agreements, a real spool and signing key), and the auditor-only
// rule of /v1/admin/audit/*.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdio>
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

// A consistent copy of the live spool database (VACUUM INTO reads one snapshot under WAL).
std::string copy_database(const std::string& from, const std::string& to) {
  std::filesystem::remove(to);
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(from.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  const std::string sql = "VACUUM INTO '" + to + "'";
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  return to;
}

void exec_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sql;
  EXPECT_EQ(sqlite3_changes(db), 1) << sql;
  sqlite3_close(db);
}

// The seq of the first record of `kind` (and, if given, subject) in a database.
std::int64_t first_seq_of(const std::string& path, const std::string& where) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  const std::string sql = "SELECT min(seq) FROM audit_records WHERE " + where;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK);
  std::int64_t seq = 0;
  if (sqlite3_step(st) == SQLITE_ROW) seq = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return seq;
}

// Issue 11: an administrator changes an index column in a copy of a real database. `verify
// --db` must fail naming the seq and the column, and query/export/report must still return the
// record and say it was tampered with (exit 4), never leave it out.
TEST_F(AuditCliTest, EveryTamperedIndexColumnIsDetectedAndNeverBlindsAQuery) {
  struct Row {
    const char* column;
    const char* set;
  };
  const std::vector<Row> rows = {
      {"subject_ref", "subject_ref = 'V-00000000'"}, {"case_urn", "case_urn = '01XX0000000'"},
      {"recipient", "recipient = 'nobody'"},         {"sender", "sender = 'nobody'"},
      {"agreement", "agreement = 'other@1'"},        {"kind", "kind = 'delivery.acked'"},
      {"message_id", "message_id = 'other'"},        {"at_ms", "at_ms = at_ms - 86400000"},
  };
  const std::string live = dir_.file("spool.db");
  const std::string where =
      std::string("kind = 'decision.accepted' AND subject_ref = '") + kSubject + "'";
  for (const auto& row : rows) {
    SCOPED_TRACE(row.column);
    const std::string copy = copy_database(live, dir_.file("tampered.db"));
    const std::int64_t seq = first_seq_of(copy, where);
    ASSERT_GT(seq, 0);
    const auto clean = run_command(cli() + "audit verify --db " + copy + " --gateway-key " +
                                   dir_.file("gateway-key.json"));
    ASSERT_EQ(clean.status, 0) << clean.output;
    exec_sql(copy, std::string("UPDATE audit_records SET ") + row.set +
                       " WHERE seq = " + std::to_string(seq));

    const auto verified = run_command(cli() + "audit verify --db " + copy + " --gateway-key " +
                                      dir_.file("gateway-key.json"));
    EXPECT_EQ(verified.status, 1) << verified.output;
    EXPECT_NE(verified.output.find("index_mismatch at seq " + std::to_string(seq)),
              std::string::npos)
        << verified.output;
    EXPECT_NE(verified.output.find(std::string("index column ") + row.column), std::string::npos)
        << verified.output;

    // The subject's queries, extract and access report still hold the record, and say so.
    const std::string marker = "{\"seq\":" + std::to_string(seq) + ",";
    const std::string warning = "WARNING record " + std::to_string(seq) + ": index column";
    const auto query =
        run_command(cli() + "audit query --format jsonl --subject " + kSubject + " --db " + copy);
    EXPECT_EQ(query.status, 4) << query.output;
    EXPECT_NE(query.output.find(marker), std::string::npos) << query.output;
    EXPECT_NE(query.output.find(warning), std::string::npos) << query.output;
    const std::string out = dir_.file("tampered.jsonl");
    const auto exported = run_command(cli() + "audit export --out " + out + " --subject " +
                                      kSubject + " --db " + copy);
    EXPECT_EQ(exported.status, 4) << exported.output;
    EXPECT_NE(exported.output.find(warning), std::string::npos) << exported.output;
    bool in_full = false;
    for (const auto& line : read_lines(out)) {
      in_full = in_full || line.find("\"r\":" + marker) != std::string::npos;
    }
    EXPECT_TRUE(in_full) << "record " << seq << " is a stub or missing in the extract";
    const auto report =
        run_command(cli() + "audit report --format json --subject " + kSubject + " --db " + copy);
    EXPECT_EQ(report.status, 4) << report.output;
    EXPECT_NE(report.output.find("\"seq\": " + std::to_string(seq) + ","), std::string::npos)
        << report.output;
  }
}

TEST_F(AuditCliTest, VerifyTakesTheAuditHeadDocumentAsAnchor) {
  ASSERT_EQ(admin("auditor", verb::post, "/v1/admin/audit/checkpoint").status, 200u);
  const auto head = admin("auditor", verb::get, "/v1/admin/audit/head");
  ASSERT_EQ(head.status, 200u) << head.body;
  const std::string anchor = dir_.file("head.json");
  std::ofstream(anchor) << head.body;
  const std::string copy = copy_database(dir_.file("spool.db"), dir_.file("copy.db"));
  const auto ok = run_command(cli() + "audit verify --db " + copy + " --gateway-key " +
                              dir_.file("gateway-key.json") + " --anchor " + anchor);
  EXPECT_EQ(ok.status, 0) << ok.output;
  EXPECT_EQ(ok.output.rfind("OK ", 0), 0u) << ok.output;
  // The anchor catches a log cut short with its checkpoints.
  const auto sealed = json::parse(head.body)["sealed_seq"].get<std::int64_t>();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(copy.c_str(), &db), SQLITE_OK);
  const std::string cut =
      "DELETE FROM audit_records WHERE seq >= " + std::to_string(sealed - 1) +
      "; DELETE FROM audit_checkpoints WHERE seq >= " + std::to_string(sealed - 1);
  ASSERT_EQ(sqlite3_exec(db, cut.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  const auto truncated = run_command(cli() + "audit verify --db " + copy + " --gateway-key " +
                                     dir_.file("gateway-key.json") + " --anchor " + anchor);
  EXPECT_EQ(truncated.status, 1) << truncated.output;
  EXPECT_NE(truncated.output.find("truncated"), std::string::npos) << truncated.output;
  // A head with no checkpoint yet is a usage error, not "intact".
  std::ofstream(dir_.file("empty-head.json"))
      << R"({"last_seq":0,"sealed_seq":0,"records":0,"unsealed":0,"latest_checkpoint":null})";
  const auto none =
      run_command(cli() + "audit verify --db " + copy + " --gateway-key " +
                  dir_.file("gateway-key.json") + " --anchor " + dir_.file("empty-head.json"));
  EXPECT_EQ(none.status, 2) << none.output;
}

TEST_F(AuditCliTest, QueryLimitSaysWhenMoreRecordsMatch) {
  const auto limited =
      run_command(cli() + "audit query --format jsonl --limit 1 --db " + dir_.file("spool.db"));
  ASSERT_EQ(limited.status, 0) << limited.output;
  EXPECT_NE(limited.output.find("more records match: showing the first 1 (--limit 1"),
            std::string::npos)
      << limited.output;
  const auto all =
      run_command(cli() + "audit query --format jsonl --limit 0 --db " + dir_.file("spool.db"));
  ASSERT_EQ(all.status, 0) << all.output;
  EXPECT_EQ(all.output.find("more records match"), std::string::npos) << all.output;
  const auto online = run_command(cli() + "audit query --limit 2" + as("auditor"));
  ASSERT_EQ(online.status, 0) << online.output;
  EXPECT_NE(online.output.find("more records match: showing the first 2"), std::string::npos)
      << online.output;
}

TEST_F(AuditCliTest, TimeFiltersHonourMillisecondsAndOffsets) {
  // The first record's own `at`, with milliseconds: [at, at + 1 ms) selects records of that
  // millisecond only; the same instant with an offset selects the same.
  const auto first =
      run_command(cli() + "audit query --format jsonl --limit 1 --db " + dir_.file("spool.db"));
  const auto record = json::parse(first.output.substr(0, first.output.find('\n')));
  const std::string at = record["at"];  // 2026-...T..:..:..SSS.mmmZ
  ASSERT_EQ(at.size(), 24u) << at;
  const std::int64_t ms = std::stoll(at.substr(20, 3));
  char next[8];
  std::snprintf(next, sizeof next, "%03lld", static_cast<long long>((ms + 1) % 1000));
  if (ms == 999) {
    GTEST_SKIP() << "the record is at .999; the +1 ms bound would carry";
  }
  const std::string to = at.substr(0, 20) + next + "Z";
  const auto exact = run_command(cli() + "audit query --format jsonl --from " + at + " --to " + to +
                                 " --db " + dir_.file("spool.db"));
  ASSERT_EQ(exact.status, 0) << exact.output;
  EXPECT_NE(exact.output.find("\"at\":\"" + at + "\""), std::string::npos) << exact.output;
  std::istringstream lines(exact.output);
  std::string line;
  while (std::getline(lines, line)) {
    EXPECT_EQ(json::parse(line)["at"], at) << "outside the millisecond: " << line;
  }
  const auto online = run_command(cli() + "audit query --format jsonl --from " + at + " --to " +
                                  to + as("auditor"));
  ASSERT_EQ(online.status, 0) << online.output;
  EXPECT_EQ(online.output, exact.output);
}

// DPA 2018 s.62: the CLI's reads through the gateway and the admin's actions are audit records
// naming the certificate; a refused certificate is recorded with what it presented.
TEST_F(AuditCliTest, ReadsActionsAndRefusedCertificatesAreAuditedWithTheirCertificate) {
  const auto query = run_command(cli() + "audit query --case " + kCase + as("auditor"));
  ASSERT_EQ(query.status, 0) << query.output;
  ASSERT_EQ(admin("admin", verb::post, "/v1/admin/agreements/reload").status, 200u);
  auto rogue_options = client_options("", gateway_->port());
  rogue_options.cert = Pki::get().file("rogue.pem");
  rogue_options.key = Pki::get().file("rogue.key");
  auto rogue = client::HttpsClient::create(rogue_options);
  ASSERT_TRUE(rogue.ok()) << rogue.error().message;
  EXPECT_FALSE((*rogue)->request(verb::get, "/v1/inbox").ok());
  // Sealed, so the records are committed before the file is read.
  ASSERT_EQ(admin("auditor", verb::post, "/v1/admin/audit/checkpoint").status, 200u);

  auto records_of = [&](const std::string& kind) {
    const auto r = run_command(cli() + "audit query --format jsonl --limit 0 --kind " + kind +
                               " --db " + dir_.file("spool.db"));
    EXPECT_EQ(r.status, 0) << r.output;
    std::vector<json> out;
    std::istringstream in(r.output);
    std::string line;
    while (std::getline(in, line)) out.push_back(json::parse(line));
    return out;
  };
  const auto reads = records_of("audit.read");
  bool found_read = false;
  for (const auto& r : reads) {
    const auto& d = r["details"];
    if (d.value("endpoint", "") == "records" &&
        d.value("filter", "").find(kCase) != std::string::npos) {
      found_read = true;
      EXPECT_EQ(d["actor"], "auditor") << r.dump();
      EXPECT_EQ(d["actor_role"], "auditor") << r.dump();
      EXPECT_NE(d.value("actor_subject", "").find("CN="), std::string::npos) << r.dump();
    }
  }
  EXPECT_TRUE(found_read) << reads.size() << " audit.read records";
  const auto actions = records_of("admin.action");
  bool found_reload = false;
  for (const auto& r : actions) {
    const auto& d = r["details"];
    if (d.value("action", "") == "agreements.reload") {
      found_reload = true;
      EXPECT_EQ(d["actor_role"], "admin") << r.dump();
      EXPECT_NE(d.value("actor_subject", "").find("CN="), std::string::npos) << r.dump();
    }
  }
  EXPECT_TRUE(found_reload);
  // The refusal is recorded from the gateway's io thread, asynchronously to the client's
  // failure: read until it is there (bounded; each read is a process run, no sleep).
  std::vector<json> refused;
  for (int i = 0; i < 100 && refused.empty(); ++i)
    refused = records_of("admin.certificate_refused");
  ASSERT_FALSE(refused.empty());
  const auto& d = refused.back()["details"];
  EXPECT_EQ(refused.back()["code"], "unknown_ca") << refused.back().dump();
  EXPECT_NE(d.value("subject", "").find("CN=police.met"), std::string::npos)
      << refused.back().dump();
  EXPECT_EQ(d.value("san_uris", ""), "urn:accord:agency:police.met") << refused.back().dump();
}
}  // namespace
}  // namespace accord::test
