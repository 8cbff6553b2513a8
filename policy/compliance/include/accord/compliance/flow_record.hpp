// The one reading of an audit record (docs/audit-format.md §2) into what the clock fold needs
// (docs/compliance.md §4.1), shared by `accord compliance report --db` and the gateway's
// tracker. Pure: the record's bytes in, a FlowRecord out.
#pragma once

#include <optional>
#include <string_view>

#include "accord/compliance/clocks.hpp"
#include "accord/core/result.hpp"

namespace accord::compliance {

// The kinds the fold reads: decision.accepted, delivery.acked, compliance.facts.
bool is_flow_kind(std::string_view kind);

// nullopt for a record of another kind. Errors (code `invalid_record`, path = the member):
// not a JSON object, a missing or malformed seq or at, a compliance.facts record whose
// details facts_from_details refuses.
Result<std::optional<FlowRecord>> flow_record_from_audit(std::string_view record);

}  // namespace accord::compliance
