// AuditReader against real spool files (audit_log_fixture.hpp lists the log's 11 records).
#include "accord/spool/audit_reader.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include "accord/audit/verifier.hpp"
#include "audit_log_fixture.hpp"

namespace accord::spool {
namespace {

using testing::AuditLog;
using testing::kC1;
using testing::kC2;
using testing::kC3;
using testing::kT0;

// One log for the read-only tests (building it costs a few fsyncs).
class AuditReaderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    log_ = new AuditLog();
    log_->build();
  }
  static void TearDownTestSuite() {
    delete log_;
    log_ = nullptr;
  }
  std::unique_ptr<AuditReader> reader() {
    auto r = AuditReader::open(log_->path());
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? std::move(r).value() : nullptr;
  }
  static AuditLog* log_;
};
AuditLog* AuditReaderTest::log_ = nullptr;

std::vector<std::int64_t> seqs(const AuditRows& rows) {
  std::vector<std::int64_t> out;
  for (const auto& r : rows.rows) out.push_back(r.seq);
  return out;
}

struct FilterCase {
  const char* name;
  AuditFilter filter;
  std::vector<std::int64_t> expected;
};

AuditFilter with(void (*set)(AuditFilter&)) {
  AuditFilter f;
  set(f);
  return f;
}

TEST_F(AuditReaderTest, EveryFilterSelectsExactlyItsRecords) {
  const std::vector<FilterCase> cases = {
      {"none", {}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
      {"case", with([](AuditFilter& f) { f.case_urn = kC1; }), {1, 2, 8, 9, 10, 11}},
      {"case unknown", with([](AuditFilter& f) { f.case_urn = "urn:accord:case:x:9"; }), {}},
      {"subject", with([](AuditFilter& f) { f.subject_ref = "S-2"; }), {3}},
      {"subject is exact", with([](AuditFilter& f) { f.subject_ref = "S-"; }), {}},
      {"agency sender or recipient",
       with([](AuditFilter& f) { f.agency = "cps"; }),
       {1, 6, 8, 9, 10, 11}},
      {"agency wcu", with([](AuditFilter& f) { f.agency = "wcu"; }), {2, 3}},
      {"sender", with([](AuditFilter& f) { f.sender = "cps"; }), {8}},
      {"recipient", with([](AuditFilter& f) { f.recipient = "cps"; }), {1, 6, 9, 10, 11}},
      {"agreement any version", with([](AuditFilter& f) { f.agreement = "police-cps"; }), {1, 6}},
      {"agreement exact version", with([](AuditFilter& f) { f.agreement = "police-cps@2"; }), {1}},
      {"agreement _ is no wildcard", with([](AuditFilter& f) { f.agreement = "police_cps"; }), {}},
      {"agreement is case-sensitive", with([](AuditFilter& f) { f.agreement = "POLICE-CPS"; }), {}},
      {"agreement prefix is no id", with([](AuditFilter& f) { f.agreement = "police"; }), {}},
      {"kind prefix", with([](AuditFilter& f) { f.kind = "delivery."; }), {9, 10}},
      {"kind without dot is exact", with([](AuditFilter& f) { f.kind = "delivery"; }), {}},
      {"kind exact", with([](AuditFilter& f) { f.kind = "decision.refused"; }), {2, 11}},
      {"decision accepted",
       with([](AuditFilter& f) { f.decision = "accepted"; }),
       {1, 3, 4, 5, 6, 8}},
      {"decision refused and case",
       with([](AuditFilter& f) {
         f.decision = "refused";
         f.case_urn = kC1;
       }),
       {2, 11}},
      {"time range, to exclusive",
       with([](AuditFilter& f) {
         f.from_ms = kT0 + 2000;
         f.to_ms = kT0 + 4000;
       }),
       {3, 4, 5, 6, 7}},
      {"from only", with([](AuditFilter& f) { f.from_ms = kT0 + 4000; }), {8, 9, 10, 11}},
      {"to only", with([](AuditFilter& f) { f.to_ms = kT0 + 1000; }), {}},
      {"combined",
       with([](AuditFilter& f) {
         f.agency = "police";
         f.decision = "accepted";
         f.to_ms = kT0 + 2600;
       }),
       {1, 3, 4}},
      {"contradiction",
       with([](AuditFilter& f) {
         f.decision = "accepted";
         f.kind = "delivery.";
       }),
       {}},
  };
  auto r = reader();
  ASSERT_NE(r, nullptr);
  for (const auto& c : cases) {
    ASSERT_TRUE(validate(c.filter).ok()) << c.name;
    auto rows = r->query(c.filter, 0, 100);
    ASSERT_TRUE(rows.ok()) << c.name << ": " << rows.error().message;
    EXPECT_EQ(seqs(*rows), c.expected) << c.name;
    EXPECT_FALSE(rows->more) << c.name;
  }
}

TEST_F(AuditReaderTest, RowsCarryTheRecordBytesAndChainAsStored) {
  auto r = reader();
  ASSERT_NE(r, nullptr);
  auto rows = r->query({}, 0, 100);
  ASSERT_TRUE(rows.ok());
  audit::Digest h{};
  for (const auto& row : rows->rows) {
    h = audit::chain_next(h, audit::record_digest(row.record));
    EXPECT_EQ(row.chain, h) << row.seq;
    EXPECT_EQ(row.record.rfind("{\"seq\":" + std::to_string(row.seq) + ",", 0), 0u);
    EXPECT_EQ(row.record.find("\"value\""), std::string::npos);
  }
  EXPECT_NE(rows->rows[0].record.find(R"("fields":[["hearing.date","share"])"), std::string::npos);
  auto c = r->chain_at(4);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, rows->rows[3].chain);
  EXPECT_EQ(*r->chain_at(0), audit::Digest{});
  auto missing = r->chain_at(12);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "not_found");
}

TEST_F(AuditReaderTest, PagesFollowAfterSeqUntilNoMore) {
  auto r = reader();
  ASSERT_NE(r, nullptr);
  const std::vector<std::vector<std::int64_t>> expected = {{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11}};
  std::int64_t after = 0;
  for (std::size_t page = 0; page < expected.size(); ++page) {
    auto rows = r->query({}, after, 4);
    ASSERT_TRUE(rows.ok());
    EXPECT_EQ(seqs(*rows), expected[page]);
    EXPECT_EQ(rows->more, page + 1 < expected.size());
    after = rows->rows.back().seq;
  }
  AuditFilter c1;
  c1.case_urn = kC1;
  auto rows = r->query(c1, 2, 2);  // after a matching seq, within a filter
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(seqs(*rows), (std::vector<std::int64_t>{8, 9}));
  EXPECT_TRUE(rows->more);
  auto one = r->query({}, 0, 0);  // limit 0 is read as 1
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->rows.size(), 1u);
}

TEST_F(AuditReaderTest, HeadAndCheckpoints) {
  auto r = reader();
  ASSERT_NE(r, nullptr);
  auto head = r->head();
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->last_seq, 11);
  EXPECT_EQ(head->sealed_seq, 10);
  EXPECT_EQ(head->records, 11);
  auto all = r->checkpoints(0, 100);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].seq, 7);
  EXPECT_EQ((*all)[1].seq, 10);
  EXPECT_EQ((*all)[1].at_ms, kT0 + 6001);
  auto later = r->checkpoints(7, 100);
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later->size(), 1u);
  auto latest = r->latest_checkpoint();
  ASSERT_TRUE(latest.ok());
  ASSERT_TRUE(latest->has_value());
  auto parsed = audit::parse_checkpoint((*latest)->json);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->seq, 10);
  EXPECT_EQ(parsed->head, *r->chain_at(10));
  EXPECT_TRUE(audit::verify_checkpoint(*parsed, log_->key()).ok());
}

// Regression (issue 11): time filters honour milliseconds and offsets. The fixture's records
// 4, 5 and 6 are at +2.500 s, +2.600 s and +2.600 s: a sub-second range used to be read as
// whole seconds (the fraction dropped), missing records or refused as empty.
TEST(AuditFilterTime, ParsesMillisecondsAndOffsets) {
  struct Row {
    const char* text;
    std::optional<std::int64_t> ms;  // nullopt: refused
  };
  const std::vector<Row> rows = {
      {"2026-01-01", kT0},
      {"2026-01-01T00:00:00Z", kT0},
      {"2026-01-01T00:00:22.950Z", kT0 + 22'950},
      {"2026-01-01T00:00:22.95Z", kT0 + 22'950},
      {"2026-01-01T00:00:22.9Z", kT0 + 22'900},
      {"2026-01-01T00:00:22.950000Z", kT0 + 22'950},
      {"2026-01-01T00:00:22.9501Z", kT0 + 22'951},  // finer than ms: rounds up
      {"2026-01-01T00:00:22.9509999Z", kT0 + 22'951},
      {"2026-01-01T01:00:22.950+01:00", kT0 + 22'950},
      {"2025-12-31T19:30:00.001-04:30", kT0 + 1},
      {"2026-01-01t00:00:01.5z", kT0 + 1'500},  // RFC 3339 §5.6 allows lower case
      {"2026-01-01T00:00:22.Z", std::nullopt},
      {"2026-01-01T00:00:22", std::nullopt},
      {"2026-01-01T00:00:22.950", std::nullopt},
      {"2026-01-01T00:00:22.950+0100", std::nullopt},
      {"2026-01-01T00:00:22.950+24:00", std::nullopt},
      {"2026-01-01T24:00:00Z", std::nullopt},
      {"2026-02-30", std::nullopt},
      {"2026-01-01 00:00:00Z", std::nullopt},
      {"2026-01-01T00:00:00Z ", std::nullopt},
      {"yesterday", std::nullopt},
      {"", std::nullopt},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(parse_filter_time(row.text), row.ms) << row.text;
  }
}

TEST_F(AuditReaderTest, SubSecondTimeRangesSelectExactly) {
  struct Row {
    const char* from;
    const char* to;
    std::vector<std::int64_t> expected;
  };
  const std::vector<Row> rows = {
      {"2026-01-01T00:00:02.500Z", "2026-01-01T00:00:02.600Z", {4}},
      {"2026-01-01T00:00:02.501Z", "2026-01-01T00:00:02.601Z", {5, 6}},
      {"2026-01-01T00:00:02.550Z", "2026-01-01T00:00:03Z", {5, 6}},
      {"2026-01-01T00:00:02.6Z", "2026-01-01T00:00:02.6001Z", {5, 6}},
      {"2026-01-01T01:00:02.5+01:00", "2026-01-01T01:00:02.501+01:00", {4}},
      {"2026-01-01T00:00:02.9Z", "2026-01-01T00:00:02.999Z", {}},
  };
  auto r = reader();
  ASSERT_NE(r, nullptr);
  for (const auto& row : rows) {
    AuditFilter f;
    f.from_ms = parse_filter_time(row.from);
    f.to_ms = parse_filter_time(row.to);
    ASSERT_TRUE(f.from_ms && f.to_ms) << row.from << " " << row.to;
    ASSERT_TRUE(validate(f).ok()) << row.from << " " << row.to;
    auto got = r->query(f, 0, 100);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(seqs(*got), row.expected) << row.from << " .. " << row.to;
  }
}

TEST(AuditFilterTest, ValidateRefusesBadDecisionAndEmptyRange) {
  struct Row {
    AuditFilter filter;
    const char* path;  // nullptr: valid
  };
  AuditFilter bad_decision;
  bad_decision.decision = "maybe";
  AuditFilter empty_range;
  empty_range.from_ms = 10;
  empty_range.to_ms = 10;
  AuditFilter ok_range;
  ok_range.from_ms = 10;
  ok_range.to_ms = 11;
  AuditFilter refused;
  refused.decision = "refused";
  const std::vector<Row> rows = {
      {bad_decision, "decision"}, {empty_range, "to"}, {ok_range, nullptr}, {refused, nullptr}};
  for (const auto& row : rows) {
    const Status s = validate(row.filter);
    if (row.path == nullptr) {
      EXPECT_TRUE(s.ok());
    } else {
      ASSERT_FALSE(s.ok());
      EXPECT_EQ(s.error().code, "invalid_argument");
      EXPECT_EQ(s.error().path, row.path);
    }
  }
  AuditFilter f;
  f.case_urn = kC1;
  f.from_ms = kT0;
  EXPECT_EQ(filter_to_json(f),
            R"({"case_urn":"urn:accord:case:police:1","from":"2026-01-01T00:00:00.000Z"})");
}

// Pages of an extract joined into the export text.
struct Extract {
  std::string text;
  std::size_t pages = 0;
  bool complete = false;
  std::int64_t matches = 0;
};

Extract extract(AuditReader& r, const AuditFilter& f, std::size_t limit, std::int64_t through = 0) {
  Extract out;
  std::int64_t after = 0;
  for (;;) {
    auto page = r.extract_page(f, after, limit, through);
    EXPECT_TRUE(page.ok()) << page.error().message;
    if (!page.ok()) return out;
    if (after == 0) {
      out.text += extract_header_line(page->first_seq, page->prev, kT0, f) + "\n";
    }
    for (const auto& line : page->lines) out.text += line + "\n";
    ++out.pages;
    out.matches += page->matches;
    out.complete = page->complete;
    if (!page->more) return out;
    EXPECT_GT(page->last_seq, after);
    after = page->last_seq;
  }
}

audit::VerifyReport verify_text(const std::string& text, const crypto::GatewayPublicKey& key,
                                bool require_sealed = true) {
  std::istringstream in(text);
  audit::VerifyOptions o;
  o.require_sealed = require_sealed;
  return audit::verify_export(in, key, o);
}

TEST_F(AuditReaderTest, ExtractOfOneCaseVerifiesWithStubsForTheRest) {
  auto r = reader();
  ASSERT_NE(r, nullptr);
  AuditFilter c2;
  c2.case_urn = kC2;
  const Extract e = extract(*r, c2, 100);
  EXPECT_TRUE(e.complete);
  EXPECT_EQ(e.matches, 1);
  std::istringstream lines(e.text);
  std::string header;
  std::getline(lines, header);
  EXPECT_NE(header.find(R"("first_seq":3,"prev":")" + audit::to_hex(*r->chain_at(2))),
            std::string::npos);
  EXPECT_NE(header.find(R"("filter":{"case_urn":"urn:accord:case:police:2"})"), std::string::npos);
  // The other cases' records appear only as digests.
  EXPECT_EQ(e.text.find(kC1), std::string::npos);
  EXPECT_EQ(e.text.find(kC3), std::string::npos);
  const auto report = verify_text(e.text, log_->key());
  ASSERT_TRUE(report.ok()) << report.failure->code << ": " << report.failure->message;
  EXPECT_EQ(report.records, 1);
  EXPECT_EQ(report.stubs, 4);  // 4..7: up to checkpoint 7, the first covering record 3
  EXPECT_EQ(report.checkpoints, 1);
  EXPECT_EQ(report.sealed_seq, 7);
}

TEST_F(AuditReaderTest, ExtractPagesJoinIntoOneVerifiableExtract) {
  auto r = reader();
  ASSERT_NE(r, nullptr);
  AuditFilter s3;
  s3.subject_ref = "S-3";  // records 4..6, covered by checkpoint 7
  for (std::size_t limit : {1u, 2u, 3u, 100u}) {
    const Extract e = extract(*r, s3, limit);
    EXPECT_TRUE(e.complete) << limit;
    EXPECT_EQ(e.matches, 3) << limit;
    const auto report = verify_text(e.text, log_->key());
    ASSERT_TRUE(report.ok()) << limit << ": " << report.failure->message;
    EXPECT_EQ(report.records + report.stubs, 4) << limit;
    EXPECT_EQ(report.sealed_seq, 7) << limit;
  }
}

TEST_F(AuditReaderTest, ExtractPastTheLastCheckpointIsIncompleteUnlessBounded) {
  auto r = reader();
  ASSERT_NE(r, nullptr);
  AuditFilter c1;
  c1.case_urn = kC1;  // last match 11, after checkpoint 10
  const Extract open = extract(*r, c1, 3);
  EXPECT_FALSE(open.complete);
  EXPECT_EQ(open.matches, 6);
  EXPECT_TRUE(verify_text(open.text, log_->key(), false).ok());
  const auto unsealed = verify_text(open.text, log_->key(), true);
  ASSERT_FALSE(unsealed.ok());
  EXPECT_EQ(unsealed.failure->code, "unsealed_tail");

  const Extract bounded = extract(*r, c1, 3, 10);
  EXPECT_TRUE(bounded.complete);
  EXPECT_EQ(bounded.matches, 5);
  EXPECT_TRUE(verify_text(bounded.text, log_->key(), true).ok());
}

TEST_F(AuditReaderTest, ExtractWithNoMatchIsAnEmptyCompleteExtract) {
  auto r = reader();
  ASSERT_NE(r, nullptr);
  AuditFilter none;
  none.case_urn = "urn:accord:case:nobody:0";
  const Extract e = extract(*r, none, 10);
  EXPECT_TRUE(e.complete);
  EXPECT_EQ(e.pages, 1u);
  const auto report = verify_text(e.text, log_->key());
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.records, 0);
}

TEST_F(AuditReaderTest, WholeDatabaseVerifies) {
  auto r = reader();
  ASSERT_NE(r, nullptr);
  auto report = r->verify(log_->key(), {});
  ASSERT_TRUE(report.ok()) << report.error().message;
  ASSERT_TRUE(report->ok()) << report->failure->message;
  EXPECT_EQ(report->records, 11);
  EXPECT_EQ(report->checkpoints, 2);
  EXPECT_EQ(report->sealed_seq, 10);
  EXPECT_EQ(report->unsealed_tail, 1);
}

TEST(AuditReaderOpenTest, RefusesWhatIsNotASpool) {
  accord::testing::TempDir dir("accord-audit-open-");
  {
    std::ofstream(dir.file("text.db")) << "this is not a database, it is long enough to be read "
                                          "as a header by sqlite and refused as such..........";
  }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(dir.file("other.db").c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "CREATE TABLE t(x)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  const std::vector<std::pair<std::string, std::string>> rows = {
      {dir.file("missing.db"), "storage_unavailable"},
      {dir.file("text.db"), "corrupt"},
      {dir.file("other.db"), "schema_mismatch"},
  };
  for (const auto& [path, code] : rows) {
    auto r = AuditReader::open(path);
    ASSERT_FALSE(r.ok()) << path;
    EXPECT_EQ(r.error().code, code) << path << ": " << r.error().message;
  }
}

TEST(AuditReaderLiveTest, ReadsWhileTheSpoolIsOpenAndNeverWrites) {
  AuditLog log;
  auto spool = log.open();
  ASSERT_NE(spool, nullptr);
  auto s = AuditLog::submission("police", "live-1", kC1, "S-1", 1);
  AuditLog::add_copy(s, "cps", "police-cps@2");
  AuditLog::append(*spool, s);
  auto r = AuditReader::open(log.path());
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto rows = (*r)->query({}, 0, 10);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->rows.size(), 1u);
  // The writer keeps committing while the reader is open.
  auto s2 = AuditLog::submission("police", "live-2", kC1, "S-1", 2);
  AuditLog::add_copy(s2, "cps", "police-cps@2");
  AuditLog::append(*spool, s2);
  AuditLog::checkpoint(*spool, kT0 + 5);
  auto head = (*r)->head();
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->last_seq, spool->stats().audit_seq);
  EXPECT_EQ(head->sealed_seq, 2);
  auto report = (*r)->verify(log.key(), {});
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok());
  spool->shutdown();
}

}  // namespace
}  // namespace accord::spool
