#include "governance_log.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

namespace accord::app {

GovernanceLog::GovernanceLog(std::string audit_location) : location_(std::move(audit_location)) {}

bool GovernanceLog::malformed_recorded(std::string_view source) const {
  return malformed_sources_.find(source) != malformed_sources_.end();
}

Status GovernanceLog::catch_up() {
  if (!reader_) {
    auto opened = spool::AuditReader::open(location_);
    if (!opened.ok()) return opened.error();
    reader_ = std::move(opened.value());
  }
  spool::AuditFilter filter;
  filter.kind = "agreement.";  // a prefix: the lifecycle's kinds only
  for (;;) {
    auto page = reader_->query(filter, last_seq_, spool::kMaxAuditPage);
    if (!page.ok()) {
      reader_.reset();  // a fresh connection next time (a failover, a replaced file)
      return page.error();
    }
    for (const auto& row : page->rows) {
      last_seq_ = row.seq;
      // A statement that did not parse names no version the ledger could hold (it may name
      // no agreement at all): it is remembered here, by its source, and nowhere else.
      const auto record = nlohmann::json::parse(row.record, nullptr, false);
      if (record.is_object() && record.value("kind", "") == governance::kind::kSignatureRefused &&
          record.value("code", "") == "malformed_statement") {
        const auto details = record.find("details");
        if (details != record.end() && details->is_object()) {
          const auto source = details->find("source");
          if (source != details->end() && source->is_string()) {
            malformed_sources_.insert(source->get<std::string>());
          }
        }
        continue;
      }
      if (auto applied = ledger_.apply_record(row.record); !applied.ok()) {
        spdlog::error("governance: audit record {}: {}", row.seq, applied.error().message);
      }
    }
    if (!page->more) return Status::Ok();
  }
}

}  // namespace accord::app
