// How the admin API shows who signed a version (GET /v1/admin/agreements, its version view and
// the console): one rendering, so the listing and the version view cannot drift apart.
#pragma once

#include <nlohmann/json.hpp>

#include "accord/governance/lifecycle.hpp"

namespace accord::governance {

// {"agency","kid","signer","signed_at","source"}; nlohmann finds it by ADL, so a
// std::vector<SignedBy> converts to a JSON array directly.
void to_json(nlohmann::json& out, const SignedBy& signed_by);

}  // namespace accord::governance
