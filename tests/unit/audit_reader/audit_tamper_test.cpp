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
}

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

}  // namespace
}  // namespace accord::spool
