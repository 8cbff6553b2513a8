// The files governance reads (docs/agreements.md, "Signing keys and signed statements"): the
// registered signing keys (`*.sign.pub.json` in the keys directory) and the signed statements
// (`*.sig.json`, `*.suspend.json` in the signatures directory); and how its lifecycle facts
// become audit records and log lines.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "accord/audit/event.hpp"
#include "accord/core/result.hpp"
#include "accord/governance/lifecycle.hpp"
#include "accord/governance/signing.hpp"

namespace accord::app {

// A statement file that does not parse: audited as agreement.signature_refused with code
// malformed_statement, never a reason to refuse the reload.
struct MalformedStatement {
  std::string source;     // the file name
  std::string statement;  // "signature" | "suspension" (by the file name's ending)
  std::string message;
};

struct StatementFiles {
  std::vector<governance::Statement> statements;  // sorted by file name; source = file name
  std::vector<MalformedStatement> malformed;
  std::vector<std::pair<std::string, std::string>> texts;  // every file read, for the set hash
};

// Reads `*.sig.json` and `*.suspend.json` in `dir`. Errors: io (no such directory, or a file
// that cannot be read).
Result<StatementFiles> read_statement_files(const std::string& dir);

// The refusal record of a statement file that does not parse.
governance::LifecycleEvent malformed_event(const MalformedStatement& malformed);

// One lifecycle event as its audit record (kind, agreement, code, reason, details: 1:1).
audit::Event to_audit_event(const governance::LifecycleEvent& event, std::int64_t at_ms);

// Per held version, for the reload answer and the log:
// "met-lvws-referral v2: awaiting signatures from provider.lvws".
std::vector<std::string> held_versions(const governance::Evaluation& evaluation);

}  // namespace accord::app
