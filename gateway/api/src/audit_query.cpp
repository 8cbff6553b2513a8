#include "accord/api/audit_query.hpp"

#include <charconv>
#include <map>
#include <string>

#include "decimal.hpp"

namespace accord::api {
// Percent-decoding of one query component (RFC 3986 §2.1). '+' stays a plus: the values are
// identifiers (URNs, subject references), never form text. Boost.URL would do this, but Debian
// ships it without a library and its sources may be compiled into one target only (the webhook
// adapter's); a second copy would clash at link time.
std::optional<std::string> percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    unsigned value = 0;
    if (i + 2 >= in.size()) return std::nullopt;
    auto [end, ec] = std::from_chars(in.data() + i + 1, in.data() + i + 3, value, 16);
    if (ec != std::errc() || end != in.data() + i + 3) return std::nullopt;
    out += static_cast<char>(value);
    i += 2;
  }
  return out;
}

Result<std::map<std::string, std::string>> split_query(std::string_view query) {
  std::map<std::string, std::string> seen;
  auto bad = [](std::string key, std::string message) {
    return make_error("invalid_query", std::move(message), std::move(key));
  };
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq));
    auto value =
        percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (!key || !value) return bad(std::string(pair.substr(0, eq)), "bad percent-encoding");
    if (!seen.emplace(*key, *value).second) return bad(*key, *key + " given twice");
  }
  return seen;
}

Result<AuditQuery> parse_audit_query(std::string_view query, AuditQueryAccepts accepts) {
  AuditQuery p;
  auto bad = [](std::string key, std::string message) {
    return make_error("invalid_query", std::move(message), std::move(key));
  };
  auto split = split_query(query);
  if (!split.ok()) return split.error();
  const auto& seen = split.value();
  const bool filters = accepts == AuditQueryAccepts::filters_and_paging;
  auto& f = p.filter;
  std::map<std::string, std::string*> text = {
      {"case_urn", &f.case_urn}, {"subject_ref", &f.subject_ref}, {"agency", &f.agency},
      {"sender", &f.sender},     {"recipient", &f.recipient},     {"agreement", &f.agreement},
      {"kind", &f.kind},         {"decision", &f.decision}};
  for (const auto& [key, value] : seen) {
    if (auto it = text.find(key); filters && it != text.end()) {
      *it->second = value;
    } else if (filters && (key == "from" || key == "to")) {
      const auto ms = spool::parse_filter_time(value);
      if (!ms) {
        return bad(key, key +
                            " is an RFC 3339 time (YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM))"
                            " or a date (YYYY-MM-DD)");
      }
      (key == "from" ? f.from_ms : f.to_ms) = *ms;
    } else if (key == "after_seq" || key == "limit" || key == "through_seq") {
      const auto n = parse_count(value, 18 /* audit-format §7a: up to 18 digits */);
      const bool is_limit = key == "limit";
      if (!n || (is_limit && (*n < 1 || *n > static_cast<std::int64_t>(spool::kMaxAuditPage)))) {
        return bad(key, is_limit
                            ? "limit is a number from 1 to " + std::to_string(spool::kMaxAuditPage)
                            : key + " is a number from 0");
      }
      if (key == "after_seq") p.after_seq = *n;
      if (key == "limit") p.limit = *n;
      if (key == "through_seq") p.through_seq = *n;
    } else {
      return bad(key, "unknown query parameter " + key);
    }
  }
  if (auto s = spool::validate(f); !s.ok()) {
    Error e = s.error();
    e.code = "invalid_query";
    return e;
  }
  return p;
}

}  // namespace accord::api
