// Sans-I/O codec for the envelope: bytes in, value or a machine-readable refusal out.
//
// The decoder is strict (docs/envelope.md): unknown keys at the top level or in `case` /
// `subject`, wrong types, missing required fields, invalid UTF-8, nesting deeper than
// `max_depth`, bodies over `max_bytes`, too many fields and unknown event types are refused.
// It never throws and never aborts on any input (it has a libFuzzer target).
//
// Refusal codes (Error::code), stable for clients; their HTTP status is in the one error
// table (accord/core/error_codes.hpp, docs/errors.md):
//   too_large          body over max_bytes
//   invalid_json       not JSON, or trailing content
//   invalid_utf8       a string is not valid UTF-8
//   too_deep           nesting over max_depth
//   not_an_object      the top level is not an object
//   unknown_key        a key the schema does not define
//   duplicate_key      the same key twice in one object
//   missing_field      a required key is absent
//   wrong_type         a key holds the wrong JSON type
//   invalid_value      right type, wrong form (id charset, URN, time)
//   unknown_event_type `type` is not in the vocabulary
//   too_many_fields    more leaves in `data` than max_fields
// Error::path names the offending key as a dotted path ("case.urn", "data.victim.dob"),
// "" for faults of the body as a whole. The first error in the order of docs/envelope.md §4.3
// wins. decode() and encode() are thread-safe (decode keeps one parser per thread).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "accord/core/result.hpp"
#include "accord/envelope/envelope.hpp"
#include "accord/envelope/vocabulary.hpp"

namespace accord::envelope {

struct DecodeLimits {
  std::size_t max_bytes = 256 * 1024;
  std::size_t max_depth = 16;    // nested objects/arrays, the top-level object counting as 1
  std::size_t max_fields = 512;  // leaves in data
  std::size_t max_id_length = 128;
  // False for submissions: the data key `accord_enc` is reserved for the gateway's encrypted
  // fields and refused (invalid_value). True only when a recipient decodes a delivered copy.
  bool allow_encrypted_fields = false;
};

Result<Envelope> decode(std::string_view json, const Vocabulary& vocabulary,
                        const DecodeLimits& limits = {});

// Canonical encoding: keys in a fixed order, data re-nested from the sorted dotted paths,
// no insignificant whitespace. decode(encode(e)) == e for every decoded e. For an envelope
// not built by decode() and breaking its rules the output is unspecified, but encode() never
// throws or crashes.
std::string encode(const Envelope& envelope);

// The canonical text of a JSON number that is not an integer (docs/envelope.md §3), the form
// Python's repr(float) gives: the shortest digits d1d2...dn that read back as the same IEEE
// double (nearest on ties), scientific exponent k (value = d1.d2...dn x 10^k); for
// -4 <= k < 16 plain decimal with at least one digit after the '.' ("1000000000000000.0",
// "0.0001", "-0.0"), otherwise d1[.d2...dn] 'e' sign and at least two exponent digits
// ("1e+16", "1e-05"). So `1e+15` is written "1000000000000000.0" and `1E2` "100.0". Every
// double a decoded envelope holds, in a leaf or inside an array, is written this way: a
// recipient re-encoding with Python's json.dumps gets the same bytes. `value` must be finite
// (decode refuses others); a non-finite value gives "null".
std::string format_double(double value);

}  // namespace accord::envelope
