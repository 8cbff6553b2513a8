// Agency ids, key ids and key file names, the same for an agency's encryption keys
// (docs/field-encryption.md §5.1) and its agreement signing keys (docs/agreements.md,
// "Signing keys and signed statements").
//
// Key id (kid): "<agency>:<yyyymmddThhmmssZ>:<4 hex>" (UTC creation time, 2 random bytes);
// its file stem "<agency>.<yyyymmddThhmmssZ>-<4 hex>" (no ':' in file names). Pure.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace accord::keys {

// "<kind>.<name>[.<more>]": lowercase letters, digits, '-' and '.', the first label an agency
// kind of docs/agreements.md (police, cps, wcu, court, probation, provider, oversight,
// gateway), at most 64 characters.
bool is_valid_agency_id(std::string_view agency);

// True if `kid` has the form "<agency>:<yyyymmddThhmmssZ>:<4 lower-case hex>" for `agency`.
bool is_valid_kid(std::string_view kid, std::string_view agency);

// "YYYY-MM-DDTHH:MM:SS.mmmZ" exactly (one fixed width, so byte order is time order).
bool is_created_time(std::string_view text);

// The kid of a key of `agency` created at `created` (is_created_time) with the random
// `suffix`: "police.met:20261122T093000Z:ab12".
std::string make_kid(std::string_view agency, std::string_view created,
                     const std::array<unsigned char, 2>& suffix);

// "police.met.20261122T093000Z-ab12" for kid "police.met:20261122T093000Z:ab12".
std::string key_file_stem(std::string_view kid);

}  // namespace accord::keys
