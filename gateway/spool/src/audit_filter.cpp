// The backend-neutral parts of the audit log's read side that need no rows: filter values,
// index-column checks and the extract header (docs/audit-format.md §5-§7a).
#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "accord/core/time_format.hpp"
#include "accord/spool/audit_reader.hpp"

namespace accord::spool {

std::optional<std::int64_t> parse_filter_time(std::string_view s) {
  using namespace std::chrono;
  auto digits = [&](std::size_t at, std::size_t n, int& out) {
    if (at + n > s.size()) return false;
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i] - '0');
    }
    out = v;
    return true;
  };
  int y = 0, mo = 0, d = 0;
  if (s.size() < 10 || !digits(0, 4, y) || s[4] != '-' || !digits(5, 2, mo) || s[7] != '-' ||
      !digits(8, 2, d)) {
    return std::nullopt;
  }
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  const std::int64_t day_ms = duration_cast<milliseconds>(sys_days{ymd}.time_since_epoch()).count();
  if (s.size() == 10) return day_ms;
  int h = 0, mi = 0, se = 0;
  if (s.size() < 20 || (s[10] != 'T' && s[10] != 't') || !digits(11, 2, h) || s[13] != ':' ||
      !digits(14, 2, mi) || s[16] != ':' || !digits(17, 2, se) || h > 23 || mi > 59 || se > 60) {
    return std::nullopt;
  }
  std::size_t i = 19;
  std::int64_t frac_ms = 0;
  if (s[i] == '.') {
    ++i;
    const std::size_t start = i;
    bool finer = false;  // a non-zero digit beyond the milliseconds
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      const std::size_t n = i - start;
      if (n < 3) {
        frac_ms = frac_ms * 10 + (s[i] - '0');
      } else if (s[i] != '0') {
        finer = true;
      }
      ++i;
    }
    if (i == start) return std::nullopt;
    for (std::size_t n = i - start; n < 3; ++n) frac_ms *= 10;
    if (finer) ++frac_ms;
  }
  if (i >= s.size()) return std::nullopt;
  std::int64_t offset_s = 0;
  if (s[i] == 'Z' || s[i] == 'z') {
    ++i;
  } else if (s[i] == '+' || s[i] == '-') {
    int oh = 0, om = 0;
    if (i + 6 > s.size() || !digits(i + 1, 2, oh) || s[i + 3] != ':' || !digits(i + 4, 2, om) ||
        oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_s = (oh * 60 + om) * 60 * (s[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  return day_ms + ((h * 60 + mi) * 60 + se - offset_s) * 1000 + frac_ms;
}

std::vector<std::string> index_mismatches(const IndexColumns& c, std::string_view record) {
  const auto doc = nlohmann::json::parse(record, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return {"record"};
  auto text = [&](const char* key) -> std::string {
    auto it = doc.find(key);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::vector<std::string> out;
  auto seq = doc.find("seq");
  if (seq == doc.end() || !seq->is_number_integer() || seq->get<std::int64_t>() != c.seq) {
    out.emplace_back("seq");
  }
  if (text("at") != format_time_ms(c.at_ms)) out.emplace_back("at_ms");
  const std::pair<const char*, const std::string*> columns[] = {{"kind", &c.kind},
                                                                {"sender", &c.sender},
                                                                {"recipient", &c.recipient},
                                                                {"agreement", &c.agreement},
                                                                {"case_urn", &c.case_urn},
                                                                {"subject_ref", &c.subject_ref},
                                                                {"message_id", &c.message_id}};
  for (const auto& [name, value] : columns) {
    if (text(name) != *value) out.emplace_back(name);
  }
  return out;
}

std::string format_index_mismatches(const std::vector<IndexMismatch>& mismatches) {
  std::string out;
  for (const auto& m : mismatches) {
    if (!out.empty()) out += ';';
    out += std::to_string(m.seq) + ':';
    for (std::size_t i = 0; i < m.columns.size(); ++i) {
      out += (i == 0 ? "" : ",") + m.columns[i];
    }
  }
  return out;
}

Status validate(const AuditFilter& filter) {
  if (!filter.decision.empty() && filter.decision != "accepted" && filter.decision != "refused") {
    return make_error("invalid_argument", "decision is accepted or refused", "decision");
  }
  if (filter.from_ms && filter.to_ms && *filter.to_ms <= *filter.from_ms) {
    return make_error("invalid_argument", "the time range is empty: to must be after from", "to");
  }
  return Status::Ok();
}

std::string filter_to_json(const AuditFilter& f) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  auto put = [&](const char* key, const std::string& value) {
    if (!value.empty()) out[key] = value;
  };
  put("case_urn", f.case_urn);
  put("subject_ref", f.subject_ref);
  put("agency", f.agency);
  put("sender", f.sender);
  put("recipient", f.recipient);
  put("agreement", f.agreement);
  put("kind", f.kind);
  put("decision", f.decision);
  if (f.from_ms) out["from"] = format_time_ms(*f.from_ms);
  if (f.to_ms) out["to"] = format_time_ms(*f.to_ms);
  return out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string extract_header_line(std::int64_t first_seq, const audit::Digest& prev,
                                std::int64_t exported_at_ms, const AuditFilter& filter) {
  nlohmann::ordered_json out;
  out["format"] = "accord-audit-export-1";
  out["first_seq"] = first_seq;
  out["prev"] = audit::to_hex(prev);
  out["exported_at"] = format_time_ms(exported_at_ms);
  out["filter"] = nlohmann::ordered_json::parse(filter_to_json(filter));
  return out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace accord::spool
