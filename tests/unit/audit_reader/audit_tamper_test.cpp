// Tampering with a real spool database in each way the issue names; AuditReader::verify
// must report the right code at the right seq (the fixture's log: 11 records, checkpoints
// after 7 and 10).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <optional>
#include <string>
#include <vector>

#include "accord/spool/audit_reader.hpp"
#include "audit_log_fixture.hpp"

namespace accord::spool {
namespace {

using testing::AuditLog;

void exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << sql << ": " << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

// Alters record `seq` and rewrites every chain value from it on, as an attacker with write
// access would to pass the per-record check: only a signed checkpoint can catch it.
void alter_and_rechain(const std::string& path, std::int64_t seq) {
  exec(path,
       "UPDATE audit_records SET record = replace(record, 'police-cps@3', 'police-cps@4') "
       "WHERE seq = " +
           std::to_string(seq));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* select = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT seq, record FROM audit_records ORDER BY seq", -1,
                               &select, nullptr),
            SQLITE_OK);
  std::vector<std::pair<std::int64_t, audit::Digest>> chains;
  audit::Digest h{};
  while (sqlite3_step(select) == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(select, 1));
    h = audit::chain_next(h, audit::record_digest(std::string_view(text)));
    chains.emplace_back(sqlite3_column_int64(select, 0), h);
  }
  sqlite3_finalize(select);
  sqlite3_stmt* update = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "UPDATE audit_records SET chain = ?1 WHERE seq = ?2", -1,
                               &update, nullptr),
            SQLITE_OK);
  for (const auto& [s, c] : chains) {
    sqlite3_bind_blob(update, 1, c.data(), static_cast<int>(c.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(update, 2, s);
    EXPECT_EQ(sqlite3_step(update), SQLITE_DONE);
    sqlite3_reset(update);
  }
  sqlite3_finalize(update);
  sqlite3_close(db);
}

struct TamperCase {
  const char* name;
  std::string sql;  // run against the closed database; empty: untouched
  bool rechain_6 = false;
  bool anchor_latest = false;  // keep the newest checkpoint (before tampering) as the anchor
  bool require_sealed = false;
  bool other_key = false;
  std::optional<std::pair<std::string, std::int64_t>> failure;  // code, seq; none: verifies
  std::int64_t records = 0;                                     // checked when it verifies
  std::string message_part = {};  // the failure's message must contain it
};

class AuditTamperTest : public ::testing::TestWithParam<TamperCase> {};

TEST_P(AuditTamperTest, VerifyReportsTheFirstBadRecord) {
  const TamperCase& c = GetParam();
  AuditLog log;
  log.build();
  std::optional<audit::Checkpoint> anchor;
  if (c.anchor_latest) {
    auto r = AuditReader::open(log.path());
    ASSERT_TRUE(r.ok());
    auto latest = (*r)->latest_checkpoint();
    ASSERT_TRUE(latest.ok() && latest->has_value());
    auto parsed = audit::parse_checkpoint((*latest)->json);
    ASSERT_TRUE(parsed.ok());
    anchor = *parsed;
  }
  if (!c.sql.empty()) exec(log.path(), c.sql);
  if (c.rechain_6) alter_and_rechain(log.path(), 6);

  crypto::GatewayPublicKey key = log.key();
  std::optional<AuditLog> other;
  if (c.other_key) {
    other.emplace();
    key = other->key();
  }
  auto r = AuditReader::open(log.path());
  ASSERT_TRUE(r.ok()) << r.error().message;
  audit::VerifyOptions options;
  options.anchor = anchor;
  options.require_sealed = c.require_sealed;
  auto report = (*r)->verify(key, options);
  ASSERT_TRUE(report.ok()) << report.error().message;
  if (!c.failure) {
    EXPECT_TRUE(report->ok()) << report->failure->code << ": " << report->failure->message;
    EXPECT_EQ(report->records, c.records);
    return;
  }
  ASSERT_FALSE(report->ok()) << "tampering went unnoticed";
  EXPECT_EQ(report->failure->code, c.failure->first) << report->failure->message;
  EXPECT_EQ(report->failure->seq, c.failure->second) << report->failure->message;
  EXPECT_NE(report->failure->message.find(c.message_part), std::string::npos)
      << report->failure->message;
}

// An administrator changes an index column of audit_records (a copy of a record member that
// the chain does not cover): queries by that column would miss the record or misattribute it.
// Regression for issue 11: `verify --db` said OK. Every column, each on a real row.
TamperCase index_case(const char* name, const std::string& set, std::int64_t seq,
                      const char* column) {
  return TamperCase{name,
                    "UPDATE audit_records SET " + set + " WHERE seq = " + std::to_string(seq),
                    false,
                    false,
                    false,
                    false,
                    std::pair<std::string, std::int64_t>{"index_mismatch", seq},
                    0,
                    std::string("index column ") + column};
}

INSTANTIATE_TEST_SUITE_P(
    IndexColumns, AuditTamperTest,
    ::testing::Values(index_case("subject_ref_changed", "subject_ref = 'S-2'", 8, "subject_ref"),
                      index_case("subject_ref_nulled", "subject_ref = NULL", 9, "subject_ref"),
                      index_case("subject_ref_emptied", "subject_ref = ''", 1, "subject_ref"),
                      index_case("subject_ref_added", "subject_ref = 'S-1'", 7, "subject_ref"),
                      index_case("case_urn_changed", "case_urn = 'urn:accord:case:police:9'", 3,
                                 "case_urn"),
                      index_case("recipient_changed", "recipient = 'vsp'", 1, "recipient"),
                      index_case("sender_changed", "sender = 'cps'", 4, "sender"),
                      index_case("agreement_changed", "agreement = 'police-cps@9'", 6, "agreement"),
                      index_case("kind_changed", "kind = 'delivery.acked'", 9, "kind"),
                      index_case("message_id_changed", "message_id = 'm9'", 5, "message_id"),
                      index_case("at_ms_changed", "at_ms = at_ms + 1", 10, "at_ms"),
                      index_case("seq_column_changed", "seq = 100", 11, "seq"),
                      index_case("unsealed_row", "case_urn = NULL", 11, "case_urn")),
    [](const ::testing::TestParamInfo<TamperCase>& info) { return std::string(info.param.name); });

const std::pair<std::string, std::int64_t> fails(std::string code, std::int64_t seq) {
  return {std::move(code), seq};
}

INSTANTIATE_TEST_SUITE_P(
    Cases, AuditTamperTest,
    ::testing::Values(
        TamperCase{"untouched", "", false, false, false, false, std::nullopt, 11},
        TamperCase{"untouched_with_anchor", "", false, true, false, false, std::nullopt, 11},
        TamperCase{"flipped_byte_in_record",
                   "UPDATE audit_records SET record = replace(record, 'police-wcu@1', "
                   "'police-wcu@9') WHERE seq = 3",
                   false, false, false, false, fails("chain_mismatch", 3)},
        TamperCase{"flipped_byte_in_chain",
                   "UPDATE audit_records SET chain = (SELECT chain FROM audit_records WHERE seq "
                   "= 1) WHERE seq = 5",
                   false, false, false, false, fails("chain_mismatch", 5)},
        TamperCase{"altered_and_chain_rewritten", "", true, false, false, false,
                   fails("checkpoint_mismatch", 7)},
        TamperCase{"deleted_row", "DELETE FROM audit_records WHERE seq = 5", false, false, false,
                   false, fails("seq_gap", 6)},
        TamperCase{"swapped_rows",
                   "UPDATE audit_records SET seq = -4 WHERE seq = 4; "
                   "UPDATE audit_records SET seq = 4 WHERE seq = 5; "
                   "UPDATE audit_records SET seq = 5 WHERE seq = -4",
                   false, false, false, false, fails("seq_gap", 5)},
        TamperCase{"inserted_row",
                   "INSERT INTO audit_records(seq, at_ms, kind, record, chain) SELECT 12, at_ms, "
                   "kind, replace(record, '\"seq\":11,', '\"seq\":12,'), chain FROM "
                   "audit_records WHERE seq = 11",
                   false, false, false, false, fails("chain_mismatch", 12)},
        TamperCase{"tail_cut_before_last_checkpoint", "DELETE FROM audit_records WHERE seq >= 9",
                   false, false, false, false, fails("truncated", 10)},
        // Without a kept checkpoint, records after the newest remaining checkpoint can go
        // unnoticed: the log itself is all the evidence. An auditor's anchor catches it.
        TamperCase{"tail_cut_after_last_checkpoint_unanchored",
                   "DELETE FROM audit_records WHERE seq > 7; "
                   "DELETE FROM audit_checkpoints WHERE seq > 7",
                   false, false, false, false, std::nullopt, 7},
        TamperCase{"tail_cut_after_last_checkpoint_anchored",
                   "DELETE FROM audit_records WHERE seq > 7; "
                   "DELETE FROM audit_checkpoints WHERE seq > 7",
                   false, true, false, false, fails("truncated", 10)},
        TamperCase{"unsealed_tail_required_sealed", "", false, false, true, false,
                   fails("unsealed_tail", 11)},
        TamperCase{"checkpoint_of_another_gateway", "", false, false, false, true,
                   fails("wrong_gateway_key", 7)},
        TamperCase{"forged_checkpoint_signature",
                   "UPDATE audit_checkpoints SET checkpoint = (SELECT replace(checkpoint, "
                   "'\"seq\":10,', '\"seq\":7,') FROM audit_checkpoints WHERE seq = 10) "
                   "WHERE seq = 7",
                   false, false, false, false, fails("signature_invalid", 7)},
        TamperCase{"chain_value_wrong_size", "UPDATE audit_records SET chain = x'00' WHERE seq = 2",
                   false, false, false, false, fails("malformed", 2)}),
    [](const ::testing::TestParamInfo<TamperCase>& info) { return std::string(info.param.name); });

// Queries and extracts select on the record as well as on its columns, and report every row
// whose columns disagree: a changed column can neither hide a record from the subject (or
// case, or agency) it names nor slip it into another one's answer unnoticed. Regression for
// issue 11, where `query`/`export --subject` left the record out or made it a stub.
struct BlindingCase {
  const char* name;
  std::string set;     // SQL SET clause for row `seq`
  std::int64_t seq;    // the tampered row
  AuditFilter filter;  // what the record itself matches
  std::string column;  // the column reported
};

AuditFilter filter_of(void (*set)(AuditFilter&)) {
  AuditFilter f;
  set(f);
  return f;
}

TEST(AuditIndexTamper, QueriesAndExtractsStillFindAndReportTheRecord) {
  const std::vector<BlindingCase> cases = {
      {"subject hidden", "subject_ref = 'S-2'", 8,
       filter_of([](AuditFilter& f) { f.subject_ref = "S-1"; }), "subject_ref"},
      {"subject nulled", "subject_ref = NULL", 1,
       filter_of([](AuditFilter& f) { f.subject_ref = "S-1"; }), "subject_ref"},
      {"case hidden", "case_urn = 'urn:accord:case:police:9'", 9,
       filter_of([](AuditFilter& f) { f.case_urn = testing::kC1; }), "case_urn"},
      {"recipient hidden", "recipient = 'vsp'", 1,
       filter_of([](AuditFilter& f) { f.recipient = "cps"; }), "recipient"},
      {"agency hidden", "sender = 'nobody', recipient = 'nobody'", 3,
       filter_of([](AuditFilter& f) { f.agency = "wcu"; }), "sender"},
      {"agreement hidden", "agreement = 'other@1'", 6,
       filter_of([](AuditFilter& f) { f.agreement = "police-cps"; }), "agreement"},
      {"kind hidden", "kind = 'admin.agreements_loaded'", 2,
       filter_of([](AuditFilter& f) { f.decision = "refused"; }), "kind"},
      {"time moved out", "at_ms = at_ms + 86400000", 3, filter_of([](AuditFilter& f) {
         f.from_ms = testing::kT0 + 2000;
         f.to_ms = testing::kT0 + 2001;
       }),
       "at_ms"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    AuditLog log;
    log.build();
    exec(log.path(), "UPDATE audit_records SET " + c.set + " WHERE seq = " + std::to_string(c.seq));
    auto r = AuditReader::open(log.path());
    ASSERT_TRUE(r.ok()) << r.error().message;
    auto rows = (*r)->query(c.filter, 0, 100);
    ASSERT_TRUE(rows.ok()) << rows.error().message;
    const AuditRow* found = nullptr;
    for (const auto& row : rows->rows) {
      if (row.seq == c.seq) found = &row;
      if (row.seq != c.seq) {
        EXPECT_TRUE(row.mismatched_columns.empty()) << row.seq;
      }
    }
    ASSERT_NE(found, nullptr) << "the tampered record went missing from the query";
    ASSERT_FALSE(found->mismatched_columns.empty()) << "the tampering was not reported";
    EXPECT_EQ(found->mismatched_columns.front(), c.column);

    // The verifiable extract holds the record in full (not a stub) and names it.
    auto page = (*r)->extract_page(c.filter, 0, 1000);
    ASSERT_TRUE(page.ok()) << page.error().message;
    const std::string prefix = "\"r\":{\"seq\":" + std::to_string(c.seq) + ",";
    bool in_full = false;
    for (const auto& line : page->lines)
      in_full = in_full || line.find(prefix) != std::string::npos;
    EXPECT_TRUE(in_full) << "record " << c.seq << " is a stub or missing in the extract";
    ASSERT_EQ(page->mismatches.size(), 1u);
    EXPECT_EQ(page->mismatches[0].seq, c.seq);
    EXPECT_EQ(page->mismatches[0].columns.front(), c.column);
  }
}

TEST(AuditIndexTamper, ARecordSlippedIntoAnotherSubjectIsReportedNotSilentlyListed) {
  AuditLog log;
  log.build();
  // Record 3 is about S-2; its column now claims S-1.
  exec(log.path(), "UPDATE audit_records SET subject_ref = 'S-1' WHERE seq = 3");
  auto r = AuditReader::open(log.path());
  ASSERT_TRUE(r.ok());
  AuditFilter f;
  f.subject_ref = "S-1";
  auto rows = (*r)->query(f, 0, 100);
  ASSERT_TRUE(rows.ok());
  for (const auto& row : rows->rows) {
    if (row.seq == 3) {
      EXPECT_EQ(row.mismatched_columns, std::vector<std::string>{"subject_ref"});
    } else {
      EXPECT_TRUE(row.mismatched_columns.empty()) << row.seq;
      EXPECT_NE(row.record.find("\"subject_ref\":\"S-1\""), std::string::npos) << row.record;
    }
  }
  EXPECT_EQ(format_index_mismatches({{3, {"subject_ref"}}, {8, {"sender", "kind"}}}),
            "3:subject_ref;8:sender,kind");
}
}  // namespace
}  // namespace accord::spool
