// What the audit log says about agreement versions (docs/agreements.md, "Co-signed activation
// and the lifecycle"): the gateway's governance::Ledger, folded from the log's agreement.*
// records at start and brought up to date before every evaluation, so a restarted gateway (or
// a second gateway on the same PostgreSQL database) writes no lifecycle record twice.
//
// Threads: one caller at a time (the gateway holds its reload lock); catch_up() blocks on the
// database, so never on an io thread or the spool's thread.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "accord/core/result.hpp"
#include "accord/governance/lifecycle.hpp"
#include "accord/spool/audit_reader.hpp"

namespace accord::app {

class GovernanceLog {
 public:
  // `audit_location`: the SQLite spool file or the PostgreSQL URI (AuditReader::open).
  explicit GovernanceLog(std::string audit_location);

  // Folds the agreement.* records written since the last call (by this gateway or another).
  // A malformed agreement.* record is logged and skipped: it changes nothing in the ledger.
  Status catch_up();

  const governance::Ledger& ledger() const { return ledger_; }
  // Whether an agreement.signature_refused with code malformed_statement names `source`
  // already: a statement file that does not parse is audited once, not at every reload.
  bool malformed_recorded(std::string_view source) const;

 private:
  std::string location_;
  std::unique_ptr<spool::AuditReader> reader_;
  std::int64_t last_seq_ = 0;
  governance::Ledger ledger_;
  std::set<std::string, std::less<>> malformed_sources_;
};

}  // namespace accord::app
