// decode(): simdjson DOM (chosen by measurement, docs/envelope.md "Implementation notes"):
// the DOM parse validates the whole document (syntax, UTF-8, depth, numbers) before the
// schema walk starts, so the walk never sees half-valid input. The schema walk visits
// members in document order, so "the first error wins" is well defined.
#include "accord/envelope/codec.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_set>
#include <utility>

#include "text_rules.hpp"

namespace accord::envelope {
namespace {

Error err(const char* code, std::string message, std::string path) {
  return make_error(code, std::move(message), std::move(path));
}

std::string join(std::string_view prefix, std::string_view key) {
  std::string out;
  out.reserve(prefix.size() + 1 + key.size());
  out.append(prefix).append(".").append(key);
  return out;
}

// Finds a key given twice in one object: linear for the usual small objects, hashed for big
// ones so a 256 KiB object of distinct keys stays linear time.
class DuplicateFinder {
 public:
  bool seen_before(std::string_view key) {
    if (!hashed_ && count_ < kInline) {
      if (std::find(keys_.begin(), keys_.begin() + count_, key) != keys_.begin() + count_) {
        return true;
      }
      keys_[count_++] = key;
      return false;
    }
    if (!hashed_) {
      hashed_ = std::make_unique<std::unordered_set<std::string_view>>(keys_.begin(), keys_.end());
    }
    return !hashed_->insert(key).second;
  }

 private:
  static constexpr std::size_t kInline = 16;
  std::array<std::string_view, kInline> keys_;  // no heap for the usual small object
  std::size_t count_ = 0;
  std::unique_ptr<std::unordered_set<std::string_view>> hashed_;  // only for big objects
};

// A key of an object inside an array, escaped as encode() escapes strings (docs/envelope.md
// §3): plain printable ASCII as is, anything else through nlohmann's serializer, which escapes
// exactly '"', '\\' and U+0000-U+001F.
void append_key(std::string& out, std::string_view key) {
  if (std::all_of(key.begin(), key.end(),
                  [](char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; })) {
    out.append(1, '"').append(key).append(1, '"');
    return;
  }
  out += nlohmann::json(std::string(key))
             .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The value as minified JSON (docs/envelope.md §3). Strings, integers and literals take a
// direct path that produces exactly what simdjson::to_string would; strings with escapes are
// written by simdjson; doubles by format_double (simdjson's own text differs from the
// documented form between 1e15 and 1e16 and is not always the shortest); arrays and objects
// inside arrays member by member, so a double nested in them gets the same form.
void append_minified(std::string& out, simdjson::dom::element value) {
  switch (value.type()) {
    case simdjson::dom::element_type::STRING: {
      std::string_view text = value.get_string().value_unsafe();
      bool plain = std::all_of(text.begin(), text.end(), [](char c) {
        return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
      });
      if (!plain) {
        out += simdjson::to_string(value);
        return;
      }
      out.append(1, '"').append(text).append(1, '"');
      return;
    }
    case simdjson::dom::element_type::INT64:
      out += std::to_string(value.get_int64().value_unsafe());
      return;
    case simdjson::dom::element_type::UINT64:
      out += std::to_string(value.get_uint64().value_unsafe());
      return;
    case simdjson::dom::element_type::DOUBLE:
      out += format_double(value.get_double().value_unsafe());
      return;
    case simdjson::dom::element_type::BOOL:
      out += value.get_bool().value_unsafe() ? "true" : "false";
      return;
    case simdjson::dom::element_type::NULL_VALUE:
      out += "null";
      return;
    case simdjson::dom::element_type::ARRAY: {
      out += '[';
      bool first = true;
      const simdjson::dom::array array = value.get_array().value_unsafe();
      for (simdjson::dom::element item : array) {
        if (!first) out += ',';
        first = false;
        append_minified(out, item);
      }
      out += ']';
      return;
    }
    case simdjson::dom::element_type::OBJECT: {
      out += '{';
      bool first = true;
      const simdjson::dom::object object = value.get_object().value_unsafe();
      for (auto [key, item] : object) {
        if (!first) out += ',';
        first = false;
        append_key(out, key);
        out += ':';
        append_minified(out, item);
      }
      out += '}';
      return;
    }
  }
}

std::string minified(simdjson::dom::element value) {
  std::string out;
  append_minified(out, value);
  return out;
}

// Duplicate keys inside a leaf (objects nested in arrays). Depth is bounded by the parser.
bool has_duplicate_key(simdjson::dom::element value) {
  simdjson::dom::array array;
  simdjson::dom::object object;
  if (!value.get_array().get(array)) {
    for (simdjson::dom::element item : array) {
      if (has_duplicate_key(item)) return true;
    }
  } else if (!value.get_object().get(object)) {
    DuplicateFinder keys;
    for (auto [key, item] : object) {
      if (keys.seen_before(key) || has_duplicate_key(item)) return true;
    }
  }
  return false;
}

class Walker {
 public:
  Walker(const Vocabulary& vocabulary, const DecodeLimits& limits)
      : vocabulary_(vocabulary), limits_(limits) {}

  Result<Envelope> top(simdjson::dom::object root) {
    enum Key { kId, kType, kCase, kSubject, kOccurredAt, kClassification, kData, kCount };
    static constexpr std::string_view kNames[kCount] = {
        "id", "type", "case", "subject", "occurred_at", "classification", "data"};
    bool seen[kCount] = {};
    for (auto [key, value] : root) {
      auto known = std::find(std::begin(kNames), std::end(kNames), key);
      if (known == std::end(kNames)) {
        return err("unknown_key", "unknown top-level key", std::string(key));
      }
      auto index = static_cast<std::size_t>(known - std::begin(kNames));
      if (seen[index]) return err("duplicate_key", "key given twice", std::string(key));
      seen[index] = true;
      Status s;
      switch (index) {
        case kId:
          s = string(value, "id", &out_.id, [this](std::string_view v) {
            return rules::is_token(v, limits_.max_id_length);
          });
          break;
        case kType:
          s = type(value);
          break;
        case kCase:
          s = case_ref(value);
          break;
        case kSubject:
          s = subject(value);
          break;
        case kOccurredAt:
          s = string(value, "occurred_at", &out_.occurred_at, rules::is_rfc3339);
          break;
        case kClassification:
          s = string(value, "classification", &out_.classification, rules::is_classification);
          break;
        default:
          s = data(value);
          break;
      }
      if (!s) return s.error();
    }
    for (std::size_t i = 0; i < kCount; ++i) {
      if (!seen[i]) return err("missing_field", "required key missing", std::string(kNames[i]));
    }
    std::sort(out_.data.begin(), out_.data.end(),
              [](const Field& a, const Field& b) { return a.path < b.path; });
    return std::move(out_);
  }

 private:
  template <typename Rule>
  Status string(simdjson::dom::element value, std::string_view path, std::string* out, Rule rule) {
    std::string_view text;
    if (value.get_string().get(text))
      return err("wrong_type", "must be a string", std::string(path));
    if (!rule(text)) return err("invalid_value", value_message(path), std::string(path));
    out->assign(text);
    return Status::Ok();
  }

  static std::string value_message(std::string_view path) {
    if (path == "id") return "must match [A-Za-z0-9._:-]{1,max_id_length}";
    if (path == "case.urn") return "must match [A-Za-z0-9/._-]{1,64}";
    if (path == "case.owner") return "must be an agency id like police.met";
    if (path == "subject.role") return "not a subject role";
    if (path == "subject.ref") return "must match [A-Za-z0-9._:-]{1,64}";
    if (path == "occurred_at") return "must be an RFC 3339 date-time with Z or +hh:mm";
    if (path == "classification") return "must be OFFICIAL or OFFICIAL-SENSITIVE [+ caveats]";
    return "invalid value";
  }

  Status type(simdjson::dom::element value) {
    std::string_view text;
    if (value.get_string().get(text)) return err("wrong_type", "must be a string", "type");
    if (!vocabulary_.contains(text)) {
      return err("unknown_event_type", "event type not in the vocabulary", "type");
    }
    out_.type.assign(text);
    return Status::Ok();
  }

  // An object with exactly two required string members.
  template <typename RuleA, typename RuleB>
  Status pair(simdjson::dom::element value, std::string_view name, std::string_view key_a,
              std::string* out_a, RuleA rule_a, std::string_view key_b, std::string* out_b,
              RuleB rule_b) {
    simdjson::dom::object object;
    if (value.get_object().get(object)) {
      return err("wrong_type", "must be an object", std::string(name));
    }
    bool seen_a = false, seen_b = false;
    for (auto [key, member] : object) {
      std::string path = join(name, key);
      bool is_a = key == key_a;
      if (!is_a && key != key_b) return err("unknown_key", "unknown key", path);
      bool& seen = is_a ? seen_a : seen_b;
      if (seen) return err("duplicate_key", "key given twice", path);
      seen = true;
      Status s = is_a ? string(member, path, out_a, rule_a) : string(member, path, out_b, rule_b);
      if (!s) return s;
    }
    if (!seen_a) return err("missing_field", "required key missing", join(name, key_a));
    if (!seen_b) return err("missing_field", "required key missing", join(name, key_b));
    return Status::Ok();
  }

  Status case_ref(simdjson::dom::element value) {
    return pair(value, "case", "urn", &out_.case_ref.urn, rules::is_case_urn, "owner",
                &out_.case_ref.owner, rules::is_agency_id);
  }

  Status subject(simdjson::dom::element value) {
    return pair(value, "subject", "role", &out_.subject.role, rules::is_subject_role, "ref",
                &out_.subject.ref, [](std::string_view v) { return rules::is_token(v, 64); });
  }

  Status data(simdjson::dom::element value) {
    simdjson::dom::object object;
    if (value.get_object().get(object)) return err("wrong_type", "must be an object", "data");
    path_ = "data";
    out_.data.reserve(32);
    return flatten(object);
  }

  // `path_` holds the dotted path of `object` ("data", "data.victim", ...); Field paths drop
  // the leading "data.".
  Status flatten(simdjson::dom::object object) {
    DuplicateFinder keys;
    const std::size_t parent_length = path_.size();
    for (auto [key, value] : object) {
      path_.resize(parent_length);
      path_.append(1, '.').append(key);
      if (keys.seen_before(key)) return err("duplicate_key", "key given twice", path_);
      if (!rules::is_data_key(key)) {
        return err("invalid_value", "data keys must match [A-Za-z0-9_-]{1,64}", path_);
      }
      // Reserved for the gateway's encrypted-field objects (docs/field-encryption.md): a
      // sender must not be able to plant a field that a recipient would take as encrypted.
      if (key == "accord_enc" && !limits_.allow_encrypted_fields) {
        return err("invalid_value", "'accord_enc' is reserved for encrypted fields", path_);
      }
      simdjson::dom::object child;
      if (!value.get_object().get(child) && child.begin() != child.end()) {
        Status s = flatten(child);
        if (!s) return s;
        continue;
      }
      if (out_.data.size() >= limits_.max_fields) {
        return err("too_many_fields", "more than max_fields leaves in data", path_);
      }
      if (has_duplicate_key(value)) return err("duplicate_key", "key given twice", path_);
      out_.data.push_back(Field{path_.substr(5), minified(value)});
    }
    path_.resize(parent_length);
    return Status::Ok();
  }

  const Vocabulary& vocabulary_;
  const DecodeLimits& limits_;
  Envelope out_;
  std::string path_;
};

// True if a container sits deeper than `max` (the top level is depth 1). The parser is armed
// with max + 1 because simdjson counts a scalar as one level below its container; the only
// thing that can then slip through is an empty container at depth max + 1, found here.
bool too_deep(simdjson::dom::element value, std::size_t depth, std::size_t max) {
  simdjson::dom::array array;
  simdjson::dom::object object;
  if (!value.get_array().get(array)) {
    if (depth > max) return true;
    for (simdjson::dom::element item : array) {
      if (too_deep(item, depth + 1, max)) return true;
    }
  } else if (!value.get_object().get(object)) {
    if (depth > max) return true;
    for (auto [key, item] : object) {
      if (too_deep(item, depth + 1, max)) return true;
    }
  }
  return false;
}

Error parse_error(simdjson::error_code code) {
  switch (code) {
    case simdjson::UTF8_ERROR:
      return err("invalid_utf8", "the body is not valid UTF-8", "");
    case simdjson::DEPTH_ERROR:
      return err("too_deep", "nesting deeper than max_depth", "");
    case simdjson::NUMBER_ERROR:
      return err("invalid_json",
                 "malformed number, or one outside 64-bit integer / finite double range", "");
    default:
      return err("invalid_json", std::string("not JSON: ") + simdjson::error_message(code), "");
  }
}

}  // namespace

Result<Envelope> decode(std::string_view json, const Vocabulary& vocabulary,
                        const DecodeLimits& limits) {
  if (json.size() > limits.max_bytes) {
    return err("too_large", "body larger than max_bytes", "");
  }
  // UTF-8 first, over the whole body, so the code does not depend on where the parser stops.
  if (!simdjson::validate_utf8(json.data(), json.size())) {
    return err("invalid_utf8", "the body is not valid UTF-8", "");
  }
  // One parser per thread: it keeps its buffers between calls and is not thread-safe.
  thread_local simdjson::dom::parser parser;
  std::size_t max_depth = std::max<std::size_t>(limits.max_depth, 1);
  std::size_t depth = max_depth + 1;
  if (parser.max_depth() != depth || parser.capacity() < json.size()) {
    std::size_t capacity = std::max<std::size_t>({json.size(), parser.capacity(), 4096});
    if (parser.allocate(capacity, depth)) {
      return err("too_large", "cannot allocate a parser for this body", "");
    }
  }
  simdjson::dom::element root;
  if (auto code = parser.parse(json.data(), json.size(), true).get(root)) {
    return parse_error(code);
  }
  if (too_deep(root, 1, max_depth)) return parse_error(simdjson::DEPTH_ERROR);
  simdjson::dom::object object;
  if (root.get_object().get(object)) {
    return err("not_an_object", "the top level must be a JSON object", "");
  }
  return Walker(vocabulary, limits).top(object);
}

std::string format_double(double value) {
  if (!std::isfinite(value)) return "null";
  // std::to_chars gives the shortest round-trip digits, nearest on ties (as Python's repr
  // does); only the layout is ours: "-d.ddde+XX" → sign, digits, exponent.
  char buffer[64];
  const auto [end, ec] =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  if (ec != std::errc()) return "null";  // cannot happen: 64 bytes hold any double
  std::string_view sci(buffer, static_cast<std::size_t>(end - buffer));
  std::string out;
  if (sci.front() == '-') {
    out += '-';
    sci.remove_prefix(1);
  }
  const std::size_t e = sci.find('e');
  std::string digits(1, sci.front());
  if (e > 1) digits.append(sci.substr(2, e - 2));  // skip the '.'
  std::string_view exponent_text = sci.substr(e + 1);
  if (exponent_text.front() == '+') exponent_text.remove_prefix(1);
  int exponent = 0;
  std::from_chars(exponent_text.data(), exponent_text.data() + exponent_text.size(), exponent);
  const auto n = static_cast<int>(digits.size());
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-exponent - 1), '0');
      out += digits;
    } else if (n <= exponent + 1) {
      out += digits;
      out.append(static_cast<std::size_t>(exponent + 1 - n), '0');
      out += ".0";
    } else {
      out.append(digits, 0, static_cast<std::size_t>(exponent + 1));
      out += '.';
      out.append(digits, static_cast<std::size_t>(exponent + 1));
    }
    return out;
  }
  out += digits.front();
  if (n > 1) {
    out += '.';
    out.append(digits, 1);
  }
  out += exponent < 0 ? "e-" : "e+";
  const int magnitude = std::abs(exponent);
  if (magnitude < 10) out += '0';
  out += std::to_string(magnitude);
  return out;
}

}  // namespace accord::envelope
