#include "accord/api/compliance_query.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

#include "accord/api/audit_query.hpp"
#include "accord/core/time_format.hpp"
#include "accord/spool/audit_reader.hpp"

namespace accord::api {
namespace {

Error bad(const std::string& key, std::string message) {
  return make_error("invalid_query", std::move(message), key);
}

}  // namespace

Result<ComplianceQuery> parse_compliance_query(std::string_view query) {
  auto pairs = split_query(query);
  if (!pairs.ok()) return pairs.error();
  ComplianceQuery q;
  for (const auto& [key, value] : pairs.value()) {
    if (key == "from" || key == "to" || key == "as_of") {
      const auto ms = spool::parse_filter_time(value);
      if (!ms) {
        return bad(key, key +
                            " is an RFC 3339 time (YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM))"
                            " or a date (YYYY-MM-DD, midnight UTC)");
      }
      (key == "from" ? q.from_ms : key == "to" ? q.to_ms : q.as_of_ms) = *ms;
    } else if (key == "agency") {
      if (value.empty()) return bad(key, "agency must not be empty");
      q.agency = value;
    } else if (key == "right") {
      // At most two digits, checked before any arithmetic: a long value must not overflow
      // (found by the http_request fuzz target).
      int right = 0;
      const char* end = value.data() + value.size();
      const auto parsed = std::from_chars(value.data(), end, right);
      if (value.size() > 2 || parsed.ec != std::errc{} || parsed.ptr != end || right < 1 ||
          right > 12) {
        return bad(key, "right is a Victims' Code right, 1 to 12");
      }
      q.right = right;
    } else if (key == "clocks") {
      if (value != "true" && value != "false") return bad(key, "clocks is true or false");
      q.clocks = value == "true";
    } else if (key == "format") {
      if (value != "json" && value != "csv" && value != "table") {
        return bad(key, "format is json, csv or table");
      }
      q.format = value;
    } else {
      return bad(key, "unknown query parameter " + key);
    }
  }
  if (q.from_ms && q.to_ms && *q.to_ms <= *q.from_ms) return bad("to", "to must be after from");
  if (q.clocks && q.format != "json") return bad("clocks", "clocks=true needs format=json");
  return q;
}

std::string compliance_query_json(const ComplianceQuery& query) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  if (query.from_ms) out["from"] = format_time_ms(*query.from_ms);
  if (query.to_ms) out["to"] = format_time_ms(*query.to_ms);
  if (query.as_of_ms) out["as_of"] = format_time_ms(*query.as_of_ms);
  if (!query.agency.empty()) out["agency"] = query.agency;
  if (query.right) out["right"] = std::to_string(*query.right);
  out["format"] = query.format;
  if (query.clocks) out["clocks"] = "true";
  // The agency is the caller's text, not necessarily UTF-8: replaced, never thrown on (as the
  // audit filter's JSON; found by the http_request fuzz target).
  return out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Result<std::string> parse_feed_query(std::string_view query) {
  auto pairs = split_query(query);
  if (!pairs.ok()) return pairs.error();
  std::string month;
  for (const auto& [key, value] : pairs.value()) {
    if (key != "month") return bad(key, "unknown query parameter " + key);
    month = value;
  }
  bool shaped = month.size() == 7 && month[4] == '-';
  for (std::size_t i = 0; shaped && i < month.size(); ++i) {
    shaped = i == 4 || (month[i] >= '0' && month[i] <= '9');
  }
  shaped = shaped && month.substr(5) >= "01" && month.substr(5) <= "12";
  if (!shaped) return bad("month", "month is a calendar month, YYYY-MM");
  return month;
}

}  // namespace accord::api
