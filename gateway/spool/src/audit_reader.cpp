// AuditReader: paging, verifiable extracts and the offline verification of a whole log, over
// the row-source seam (audit_store.hpp) of either backend: the SQLite spool file or a
// PostgreSQL spool (AuditReader::open() decides by the location's form).
#include "accord/spool/audit_reader.hpp"

#include <algorithm>
#include <utility>

#include "accord/spool/pg_spool.hpp"
#include "audit_store.hpp"

namespace accord::spool {
namespace {

using detail::AuditStore;
using detail::StoredRow;

constexpr std::int64_t kProgressEvery = 100'000;

Result<audit::Digest> chain_value(const std::string& blob, std::int64_t seq) {
  audit::Digest d{};
  if (blob.size() != d.size()) {
    return make_error(
        "corrupt", "audit record " + std::to_string(seq) + " has a chain value of the wrong size");
  }
  std::copy(blob.begin(), blob.end(), d.begin());
  return d;
}

std::string checkpoint_line(const std::string& stored_json) {
  return "{\"checkpoint\":" + stored_json + "}";
}

// Every read inside sees one snapshot of the log, so the records, their chain values and the
// checkpoints always agree with each other.
class Snapshot {
 public:
  explicit Snapshot(AuditStore& store) : store_(store) { status_ = store_.begin_snapshot(); }
  ~Snapshot() {
    if (status_.ok()) store_.end_snapshot();
  }
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;
  const Status& status() const { return status_; }

 private:
  AuditStore& store_;
  Status status_;
};

}  // namespace

struct AuditReader::Impl {
  std::unique_ptr<AuditStore> store;
};

AuditReader::AuditReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AuditReader::~AuditReader() = default;

Result<std::unique_ptr<AuditReader>> AuditReader::open(const std::string& location) {
  auto store = is_postgresql_uri(location) ? detail::open_pg_audit_store(location)
                                           : detail::open_sqlite_audit_store(location);
  if (!store.ok()) return store.error();
  auto impl = std::make_unique<Impl>();
  impl->store = std::move(store).value();
  return std::unique_ptr<AuditReader>(new AuditReader(std::move(impl)));
}

Result<AuditRows> AuditReader::query(const AuditFilter& filter, std::int64_t after_seq,
                                     std::size_t limit) {
  limit = std::clamp<std::size_t>(limit, 1, kMaxAuditPage);
  // One more than asked: is there a next page?
  auto rows = impl_->store->matching_rows(filter, after_seq, limit + 1);
  if (!rows.ok()) return rows.error();
  AuditRows out;
  for (auto& stored : *rows) {
    if (out.rows.size() == limit) {
      out.more = true;
      break;
    }
    AuditRow row;
    row.seq = stored.columns.seq;
    row.at_ms = stored.columns.at_ms;
    auto chain = chain_value(stored.chain, row.seq);
    if (!chain.ok()) return chain.error();
    row.chain = *chain;
    row.mismatched_columns = index_mismatches(stored.columns, stored.record);
    row.record = std::move(stored.record);
    out.rows.push_back(std::move(row));
  }
  return out;
}

Result<std::vector<StoredCheckpoint>> AuditReader::checkpoints(std::int64_t after_seq,
                                                               std::size_t limit) {
  limit = std::clamp<std::size_t>(limit, 1, kMaxAuditPage);
  return impl_->store->checkpoints(after_seq, INT64_MAX, limit);
}

Result<std::optional<StoredCheckpoint>> AuditReader::latest_checkpoint() {
  return impl_->store->latest_checkpoint();
}

Result<audit::Digest> AuditReader::chain_at(std::int64_t seq) {
  if (seq == 0) return audit::Digest{};
  auto blob = impl_->store->chain_at(seq);
  if (!blob.ok()) return blob.error();
  if (!blob->has_value()) {
    return make_error("not_found", "no audit record " + std::to_string(seq), "seq");
  }
  return chain_value(**blob, seq);
}

Result<AuditHead> AuditReader::head() {
  Snapshot snapshot(*impl_->store);
  if (!snapshot.status().ok()) return snapshot.status().error();
  return impl_->store->head();
}

Result<ExtractPage> AuditReader::extract_page(const AuditFilter& filter, std::int64_t after_seq,
                                              std::size_t limit, std::int64_t through_seq) {
  limit = std::clamp<std::size_t>(limit, 1, kMaxAuditPage);
  AuditStore& store = *impl_->store;
  Snapshot snapshot(store);
  if (!snapshot.status().ok()) return snapshot.status().error();
  ExtractPage page;
  auto last_match = store.match_seq(filter, through_seq, /*last=*/true);
  if (!last_match.ok()) return last_match.error();
  if (!last_match->has_value()) {
    page.complete = true;  // nothing matches: an empty extract, trivially complete
    return page;
  }
  auto covering = store.checkpoint_at_or_after(**last_match);
  if (!covering.ok()) return covering.error();

  std::int64_t start = after_seq + 1;
  if (after_seq == 0) {
    auto first = store.match_seq(filter, through_seq, /*last=*/false);
    if (!first.ok()) return first.error();
    page.first_seq = first->value_or(1);
    auto prev = chain_at(page.first_seq - 1);
    if (!prev.ok()) return prev.error();
    page.prev = *prev;
    start = page.first_seq;
  }
  std::int64_t end_bound = 0;
  if (covering->has_value()) {
    end_bound = **covering;
  } else {
    auto head = store.head();
    if (!head.ok()) return head.error();
    end_bound = head->last_seq;
  }
  const std::int64_t end =
      std::min<std::int64_t>(start + static_cast<std::int64_t>(limit) - 1, end_bound);
  page.last_seq = start - 1;
  if (start > end) {
    page.complete = covering->has_value();
    return page;
  }

  auto rows = store.rows_between(filter, start, end);
  if (!rows.ok()) return rows.error();
  auto checkpoints = store.checkpoints(start - 1, end, static_cast<std::size_t>(end - start + 1));
  if (!checkpoints.ok()) return checkpoints.error();

  std::size_t next_cp = 0;
  // Checkpoints go right after the item with their seq; one whose record is missing (a
  // damaged log) still goes in seq order, for the verifier to report.
  auto flush_checkpoints = [&](std::int64_t up_to) {
    while (next_cp < checkpoints->size() && (*checkpoints)[next_cp].seq <= up_to) {
      page.lines.push_back(checkpoint_line((*checkpoints)[next_cp].json));
      ++next_cp;
    }
  };
  for (const StoredRow& row : *rows) {
    const std::int64_t seq = row.columns.seq;
    flush_checkpoints(seq - 1);
    auto chain = chain_value(row.chain, seq);
    if (!chain.ok()) return chain.error();
    if (row.selected) {
      // Selected by the record or by its columns: in full either way, and a row whose
      // columns disagree is reported (it may match only by a forged column).
      page.lines.push_back(audit::export_record_line(*chain, row.record));
      ++page.matches;
      if (auto bad = index_mismatches(row.columns, row.record); !bad.empty()) {
        page.mismatches.push_back({seq, std::move(bad)});
      }
    } else {
      page.lines.push_back(audit::export_stub_line(seq, audit::record_digest(row.record), *chain));
    }
    page.last_seq = seq;
    flush_checkpoints(seq);
  }
  flush_checkpoints(end);
  page.last_seq = end;
  page.complete = covering->has_value() && end == **covering;
  page.more = !page.complete && end < end_bound;
  return page;
}

Result<audit::VerifyReport> AuditReader::verify(const crypto::GatewayPublicKey& key,
                                                const audit::VerifyOptions& options,
                                                const std::function<void(std::int64_t)>& progress) {
  AuditStore& store = *impl_->store;
  Snapshot snapshot(store);
  if (!snapshot.status().ok()) return snapshot.status().error();
  auto rows = store.all_rows();
  if (!rows.ok()) return rows.error();
  auto cps = store.all_checkpoints();
  if (!cps.ok()) return cps.error();

  audit::Verifier verifier(key, options);
  // The next checkpoint row, read ahead one at a time (memory stays flat).
  std::optional<StoredCheckpoint> pending;
  bool cps_done = false;
  auto next_checkpoint = [&]() -> Status {
    if (pending || cps_done) return Status::Ok();
    auto next = (*cps)->next();
    if (!next.ok()) return next.error();
    if (next->has_value()) {
      pending = std::move(*next);
    } else {
      cps_done = true;
    }
    return Status::Ok();
  };
  auto feed_checkpoints = [&](std::int64_t up_to) -> Status {
    for (;;) {
      if (auto s = next_checkpoint(); !s.ok()) return s;
      if (!pending || pending->seq > up_to || verifier.failed()) return Status::Ok();
      auto checkpoint = audit::parse_checkpoint(pending->json);
      if (!checkpoint.ok()) {
        verifier.fail(
            "malformed",
            "checkpoint row " + std::to_string(pending->seq) + ": " + checkpoint.error().message,
            0);
      } else {
        verifier.add_checkpoint(*checkpoint);
      }
      pending.reset();
    }
  };

  // The first row whose index columns disagree with its record. Reported after the chain and
  // checkpoint checks: a record altered and re-chained disagrees with its columns too, and
  // the signed checkpoint's verdict is the stronger evidence.
  std::optional<audit::VerifyFailure> index_failure;
  std::int64_t index_mismatch_rows = 0;
  bool rows_done = false;
  while (!verifier.failed()) {
    auto next = (*rows)->next();
    if (!next.ok()) return next.error();
    if (!next->has_value()) {
      rows_done = true;
      break;
    }
    const StoredRow& row = **next;
    const std::int64_t seq = row.columns.seq;
    if (auto s = feed_checkpoints(seq - 1); !s.ok()) return s.error();
    auto chain = chain_value(row.chain, seq);
    if (!chain.ok()) {
      verifier.fail("malformed", chain.error().message, 0);
      break;
    }
    verifier.add_record(row.record, &chain.value());
    if (auto bad = index_mismatches(row.columns, row.record); !bad.empty() && !verifier.failed()) {
      ++index_mismatch_rows;
      if (!index_failure) {
        // The seq the record itself states (the column may be the forged one).
        const auto stated = audit::record_seq(row.record);
        const std::int64_t at = stated.ok() ? stated.value() : seq;
        std::string names;
        for (const auto& b : bad) names += (names.empty() ? "" : ", ") + b;
        index_failure = audit::VerifyFailure{
            "index_mismatch",
            "record " + std::to_string(at) + ": index column " + names +
                " of audit_records disagrees with the record (changed after it was written; "
                "queries by that column would miss or misattribute it)",
            at, 0};
      }
    }
    if (auto s = feed_checkpoints(seq); !s.ok()) return s.error();
    if (progress && verifier.items() % kProgressEvery == 0) progress(verifier.items());
  }
  if (!verifier.failed() && rows_done) {
    // Checkpoints past the last record: the log was cut short after them.
    if (auto s = feed_checkpoints(INT64_MAX); !s.ok()) return s.error();
  }
  audit::VerifyReport report = verifier.finish();
  report.index_mismatches = index_mismatch_rows;
  if (report.ok() && index_failure) report.failure = std::move(index_failure);
  return report;
}

}  // namespace accord::spool
