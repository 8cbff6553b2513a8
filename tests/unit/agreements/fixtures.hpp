// Shared helpers for the agreement tests: the real config files, a base agreement text that
// rows mutate, and small builders. No fakes: the vocabulary and directory are the shipped ones.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "accord/agreements/agency.hpp"
#include "accord/agreements/agreement.hpp"
#include "accord/agreements/diagnostic.hpp"
#include "accord/envelope/envelope.hpp"
#include "accord/envelope/vocabulary.hpp"
#include "accord/testing/golden.hpp"

namespace accord::agreements::testing {

using accord::testing::read_file;
using accord::testing::source_dir;
const envelope::Vocabulary& vocabulary();  // config/vocabulary.yaml
const AgencyDirectory& directory();        // config/agencies.yaml
Instant at(std::string_view text);         // parse_instant, aborts on bad test input

// A valid agreement: police.met -> provider.lvws, provider.survivors-uk; valid
// 2026-01-01..2027-01-01; one flow `referral` for referral.created sharing
// data.offence.category. Rows mutate it with replace().
std::string base_yaml();
// Replaces the first occurrence of `from` (which must exist) with `to`.
std::string replace(std::string text, std::string_view from, std::string_view to);
// base_yaml() with the flows section replaced by `flows` (starting "  - name: ...").
std::string with_flows(std::string_view flows, std::string text = base_yaml());
// The 1-based line:column of the first occurrence of `marker` in `text` (after `skip` ones).
Pos pos_of(std::string_view text, std::string_view marker, int skip = 0);

Agreement load(const std::string& text, const std::string& file = "test.yaml");

envelope::Envelope make_envelope(std::string type,
                                 std::vector<std::pair<std::string, std::string>> fields,
                                 std::string classification = "OFFICIAL-SENSITIVE",
                                 std::string role = "victim");

}  // namespace accord::agreements::testing
