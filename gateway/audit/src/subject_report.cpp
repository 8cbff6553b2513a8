#include "accord/audit/subject_report.hpp"

#include <nlohmann/json.hpp>

#include "accord/audit/record_text.hpp"

namespace accord::audit {

using nlohmann::ordered_json;
using record_text::fields;
using record_text::fields_text;
using record_text::format_rows;
using record_text::num;
using record_text::parse;
using record_text::str;

void SubjectReport::add(std::string_view record) {
  records_.emplace_back(record);
}

std::string SubjectReport::table() const {
  std::string out = "Subject access report for " + subject_ + ": " +
                    std::to_string(records_.size()) + " records\n";
  if (records_.empty()) return out;
  std::vector<std::vector<std::string>> rows = {
      {"AT", "KIND", "FLOW", "AGREEMENT", "EVENT", "CODE", "FIELDS"}};
  for (const auto& r : records_) {
    const auto d = parse(r);
    auto dash = [](std::string s) { return s.empty() ? std::string("-") : s; };
    rows.push_back({str(d, "at"), str(d, "kind"),
                    dash(str(d, "sender")) + " -> " + dash(str(d, "recipient")),
                    dash(str(d, "agreement")), dash(str(d, "event_type")), dash(str(d, "code")),
                    dash(fields_text(d))});
  }
  return out + format_rows(rows);
}

std::string SubjectReport::json() const {
  ordered_json out;
  out["subject_ref"] = subject_;
  auto& flows = out["flows"] = ordered_json::array();
  for (const auto& r : records_) {
    const auto d = parse(r);
    ordered_json flow;
    flow["seq"] = num(d, "seq");
    for (const char* key : {"at", "kind", "sender", "recipient", "agreement", "event_type",
                            "case_urn", "message_id", "code", "reason"}) {
      if (auto v = str(d, key); !v.empty()) flow[key] = v;
    }
    auto& f = flow["fields"] = ordered_json::array();
    for (const auto& [path, action] : fields(d)) f.push_back({{"path", path}, {"action", action}});
    flows.push_back(std::move(flow));
  }
  return out.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace accord::audit
