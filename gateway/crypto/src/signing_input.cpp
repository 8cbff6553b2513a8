#include "accord/crypto/signing_input.hpp"

#include <cstddef>

#include "accord/crypto/bytes.hpp"
#include "accord/envelope/codec.hpp"
#include "flatten.hpp"

namespace accord::crypto {
namespace {

// Characters that JSON, nlohmann's dump and envelope::encode all write verbatim inside a
// string: printable ASCII except '"' and '\'. Anything else might be escaped differently.
bool plain_char(char c) {
  return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

// A string whose text the reference's parse + dump gives back unchanged. Advances `i` past it.
bool scan_plain_string(std::string_view s, std::size_t& i, bool is_key) {
  if (i >= s.size() || s[i] != '"') return false;
  const std::size_t start = ++i;
  // A '.' in a key would become a path separator when the leaves are re-nested.
  while (i < s.size() && plain_char(s[i]) && !(is_key && s[i] == '.')) ++i;
  if (i >= s.size() || s[i] != '"' || (is_key && i == start)) return false;
  ++i;
  return true;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// A value the reference writes back byte for byte: a plain string, true/false/null, or an
// integer in shortest form that fits an int64 (at most 18 digits). Floats, escapes, arrays and
// nested objects are left to the reference.
bool scan_value(std::string_view s, std::size_t& i) {
  if (i >= s.size()) return false;
  if (s[i] == '"') return scan_plain_string(s, i, false);
  for (std::string_view literal : {"true", "false", "null"}) {
    if (s.substr(i, literal.size()) == literal) {
      i += literal.size();
      return true;
    }
  }
  const bool negative = s[i] == '-';
  if (negative) ++i;
  if (i >= s.size() || !is_digit(s[i])) return false;
  if (s[i] == '0') {
    ++i;
    return !negative;  // "-0" may not survive a round trip; "0" does
  }
  const std::size_t start = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  return i - start <= 18;
}

// True when the object-valued field `json` flattens (reference: parse, one leaf per member,
// sorted) to exactly the leaves its own text already spells, in the same order: no
// whitespace, at least one member, keys plain, without '.', strictly increasing (so sorted
// and unique), values as scan_value accepts. The gateway's encrypted objects are this shape.
bool is_canonical_flat_object(std::string_view s) {
  if (s.size() < 2 || s.front() != '{') return false;
  std::size_t i = 1;
  std::string_view previous_key;
  bool first = true;
  while (true) {
    const std::size_t key_start = i + 1;
    if (!scan_plain_string(s, i, true)) return false;
    const std::string_view key = s.substr(key_start, i - 1 - key_start);
    if (!first && !(previous_key < key)) return false;
    previous_key = key;
    first = false;
    if (i >= s.size() || s[i] != ':') return false;
    ++i;
    if (!scan_value(s, i) || i >= s.size()) return false;
    if (s[i] == '}') return i + 1 == s.size();
    if (s[i] != ',') return false;
    ++i;
  }
}

std::string assemble(const DeliveryInfo& info, std::string_view canonical) {
  std::string out;
  out.reserve(canonical.size() + info.sender.size() + info.recipient.size() +
              info.message_id.size() + info.received_at.size() + kDeliveryDomain.size() + 24);
  append_length_prefixed(out, kDeliveryDomain);
  append_length_prefixed(out, info.sender);
  append_length_prefixed(out, info.recipient);
  append_length_prefixed(out, info.message_id);
  append_length_prefixed(out, info.received_at);
  append_length_prefixed(out, canonical);
  return out;
}

}  // namespace

// With data strictly sorted, the decoded leaves are data with each object field P replaced in
// place by P.<k1>, P.<k2>, ... unless a path P<c>... with c <= '.' exists; if one does, it is
// P's immediate successor (everything between P and it starts with P too), so one look ahead
// suffices. Re-nesting those leaves writes P's object exactly as its text spells it.
bool encoding_is_canonical(const envelope::Envelope& e) {
  const auto& data = e.data;
  for (std::size_t i = 0; i < data.size(); ++i) {
    const envelope::Field& field = data[i];
    if (i > 0 && !(data[i - 1].path < field.path)) return false;
    // The reference flattens exactly the fields it can parse as objects of this length.
    if (field.json.size() <= 2 || field.json.front() != '{') continue;
    if (!is_canonical_flat_object(field.json)) return false;
    if (i + 1 < data.size()) {
      const std::string& next = data[i + 1].path;
      const std::size_t n = field.path.size();
      if (next.size() > n && next.starts_with(field.path) &&
          static_cast<unsigned char>(next[n]) <= static_cast<unsigned char>('.')) {
        return false;
      }
    }
  }
  return true;
}

std::string delivery_signing_input_reference(const DeliveryInfo& info,
                                             const envelope::Envelope& delivered) {
  return assemble(info, envelope::encode(detail::flatten_object_leaves(delivered)));
}

std::string delivery_signing_input(const DeliveryInfo& info, const envelope::Envelope& delivered) {
  if (!encoding_is_canonical(delivered)) return delivery_signing_input_reference(info, delivered);
  return assemble(info, envelope::encode(delivered));
}

std::string status_notice_signing_input(const DeliveryInfo& info, std::string_view status) {
  // The sender is not framed: every notice's is gateway.status, and the domain says so.
  std::string out;
  out.reserve(kStatusNoticeDomain.size() + info.recipient.size() + info.message_id.size() +
              info.received_at.size() + status.size() + 20);
  append_length_prefixed(out, kStatusNoticeDomain);
  append_length_prefixed(out, info.recipient);
  append_length_prefixed(out, info.message_id);
  append_length_prefixed(out, info.received_at);
  append_length_prefixed(out, status);
  return out;
}

DeliveryEncoding encode_for_delivery(const DeliveryInfo& info,
                                     const envelope::Envelope& delivered) {
  DeliveryEncoding out;
  out.envelope_json = envelope::encode(delivered);
  out.signing_input = encoding_is_canonical(delivered)
                          ? assemble(info, out.envelope_json)
                          : delivery_signing_input_reference(info, delivered);
  return out;
}

}  // namespace accord::crypto
