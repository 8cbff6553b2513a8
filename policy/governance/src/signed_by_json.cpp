#include "accord/governance/signed_by_json.hpp"

namespace accord::governance {

void to_json(nlohmann::json& out, const SignedBy& signed_by) {
  out = {{"agency", signed_by.agency},
         {"kid", signed_by.kid},
         {"signer", signed_by.signer},
         {"signed_at", signed_by.signed_at},
         {"source", signed_by.source}};
}

}  // namespace accord::governance
