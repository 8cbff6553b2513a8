#include "accord/compliance/report.hpp"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <tuple>

#include "accord/core/csv.hpp"
#include "accord/core/time_format.hpp"

// docs/compliance.md §5: which clocks a report counts, its rows and totals, and the three
// renderings.
namespace accord::compliance {
namespace {

void count(Tally& tally, ClockStatus status) {
  switch (status) {
    case ClockStatus::on_time:
      ++tally.on_time;
      break;
    case ClockStatus::late:
      ++tally.late;
      break;
    case ClockStatus::missing:
      ++tally.missing;
      break;
    case ClockStatus::open:
      ++tally.open;
      break;
  }
}

std::string month_of(std::int64_t unix_ms) {
  const CivilDate d = london_date(unix_ms);
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d", d.year, d.month);
  return buffer;
}

nlohmann::ordered_json tally_json(const Tally& t) {
  nlohmann::ordered_json j;
  j["on_time"] = t.on_time;
  j["late"] = t.late;
  j["missing"] = t.missing;
  j["open"] = t.open;
  return j;
}

nlohmann::ordered_json filter_json(const ReportFilter& f) {
  nlohmann::ordered_json j;
  j["from"] = format_time_ms(f.from_ms);
  j["to"] = format_time_ms(f.to_ms);
  j["as_of"] = format_time_ms(f.as_of_ms);
  if (!f.agency.empty()) j["agency"] = f.agency;
  if (f.right) j["right"] = *f.right;
  return j;
}

nlohmann::ordered_json clock_json(const Clock& c) {
  nlohmann::ordered_json j;
  j["rule_set"] = c.rule_set;
  j["duty"] = c.duty;
  j["right"] = c.right;
  j["informer"] = c.informer;
  j["sender"] = c.sender;
  j["message_id"] = c.message_id;
  j["event_type"] = c.event_type;
  j["case_urn"] = c.case_urn;
  j["subject_ref"] = c.subject_ref;
  j["started_at"] = format_time_ms(c.started_at_ms);
  j["start_basis"] = c.start_basis;
  if (c.stopped_at_ms) {
    j["stopped_at"] = format_time_ms(*c.stopped_at_ms);
    j["stopped_by"] = c.stopped_by;
  }
  j["enhanced"] = c.enhanced;
  j["deadline_working_days"] = c.deadline_working_days;
  j["deadline"] = format_time_ms(c.deadline_ms);
  j["status"] = std::string(to_string(c.status));
  return j;
}

std::string render_json(const Report& report, bool with_clocks) {
  nlohmann::ordered_json doc;
  doc["filter"] = filter_json(report.filter);
  auto rows = nlohmann::ordered_json::array();
  for (const auto& row : report.rows) {
    nlohmann::ordered_json j;
    j["agency"] = row.agency;
    j["right"] = row.right;
    j["rule"] = row.duty;
    j["month"] = row.month;
    j["enhanced"] = row.enhanced;
    j.update(tally_json(row.tally));
    rows.push_back(std::move(j));
  }
  doc["rows"] = std::move(rows);
  auto agencies = nlohmann::ordered_json::array();
  for (const auto& [agency, tally] : report.by_agency) {
    nlohmann::ordered_json j;
    j["agency"] = agency;
    j.update(tally_json(tally));
    agencies.push_back(std::move(j));
  }
  doc["by_agency"] = std::move(agencies);
  auto rights = nlohmann::ordered_json::array();
  for (const auto& [right, tally] : report.by_right) {
    nlohmann::ordered_json j;
    j["right"] = right;
    j.update(tally_json(tally));
    rights.push_back(std::move(j));
  }
  doc["by_right"] = std::move(rights);
  doc["total"] = tally_json(report.total);
  doc["problems"] = report.problems;
  if (with_clocks) {
    auto clocks = nlohmann::ordered_json::array();
    for (const auto& c : report.clocks) clocks.push_back(clock_json(c));
    doc["clocks"] = std::move(clocks);
  }
  return doc.dump(2) + "\n";
}

std::string render_csv(const Report& report) {
  std::string out = "agency,right,rule,month,enhanced,on_time,late,missing,open\r\n";
  for (const auto& row : report.rows) {
    out += csv_field(row.agency) + "," + std::to_string(row.right) + "," + csv_field(row.duty) +
           "," + row.month + "," + (row.enhanced ? "true" : "false") + "," +
           std::to_string(row.tally.on_time) + "," + std::to_string(row.tally.late) + "," +
           std::to_string(row.tally.missing) + "," + std::to_string(row.tally.open) + "\r\n";
  }
  return out;
}

// Left-aligned columns, widths from the longest cell.
std::string render_columns(const std::vector<std::vector<std::string>>& lines) {
  std::vector<std::size_t> widths;
  for (const auto& line : lines) {
    widths.resize(std::max(widths.size(), line.size()));
    for (std::size_t i = 0; i < line.size(); ++i) widths[i] = std::max(widths[i], line[i].size());
  }
  std::string out;
  for (const auto& line : lines) {
    std::string text;
    for (std::size_t i = 0; i < line.size(); ++i) {
      text += line[i];
      if (i + 1 < line.size()) text += std::string(widths[i] - line[i].size() + 2, ' ');
    }
    out += text + "\n";
  }
  return out;
}

std::vector<std::string> tally_cells(const Tally& t) {
  return {std::to_string(t.on_time), std::to_string(t.late), std::to_string(t.missing),
          std::to_string(t.open)};
}

std::string render_table(const Report& report) {
  const auto& f = report.filter;
  std::string out = "Victims' Code compliance: clocks started " + format_time_ms(f.from_ms) +
                    " to " + format_time_ms(f.to_ms) + ", judged at " + format_time_ms(f.as_of_ms);
  if (!f.agency.empty()) out += ", agency " + f.agency;
  if (f.right) out += ", right " + std::to_string(*f.right);
  out += "\n\n";
  std::vector<std::vector<std::string>> rows = {
      {"AGENCY", "RIGHT", "RULE", "MONTH", "RIGHTS", "ON_TIME", "LATE", "MISSING", "OPEN"}};
  for (const auto& row : report.rows) {
    std::vector<std::string> line = {row.agency, std::to_string(row.right), row.duty, row.month,
                                     row.enhanced ? "enhanced" : "standard"};
    for (auto& cell : tally_cells(row.tally)) line.push_back(std::move(cell));
    rows.push_back(std::move(line));
  }
  out += report.rows.empty() ? "(no clocks started in the window)\n" : render_columns(rows);
  out += "\n";
  std::vector<std::vector<std::string>> totals = {
      {"BY AGENCY", "", "ON_TIME", "LATE", "MISSING", "OPEN"}};
  for (const auto& [agency, tally] : report.by_agency) {
    std::vector<std::string> line = {"agency", agency};
    for (auto& cell : tally_cells(tally)) line.push_back(std::move(cell));
    totals.push_back(std::move(line));
  }
  for (const auto& [right, tally] : report.by_right) {
    std::vector<std::string> line = {"right", std::to_string(right)};
    for (auto& cell : tally_cells(tally)) line.push_back(std::move(cell));
    totals.push_back(std::move(line));
  }
  std::vector<std::string> total = {"total", ""};
  for (auto& cell : tally_cells(report.total)) total.push_back(std::move(cell));
  totals.push_back(std::move(total));
  totals.front().front() = "TOTALS";
  out += render_columns(totals);
  for (const auto& problem : report.problems) out += "problem: " + problem + "\n";
  return out;
}

}  // namespace

Report build_report(const std::vector<Clock>& clocks, const ReportFilter& filter) {
  Report report;
  report.filter = filter;
  using Key = std::tuple<std::string, int, std::string, std::string, bool>;
  std::map<Key, Tally> rows;
  for (const auto& c : clocks) {
    if (c.started_at_ms < filter.from_ms || c.started_at_ms >= filter.to_ms) continue;
    if (!filter.agency.empty() && c.informer != filter.agency) continue;
    if (filter.right && c.right != *filter.right) continue;
    count(rows[{c.informer, c.right, c.rule_set + "/" + c.duty, month_of(c.started_at_ms),
                c.enhanced}],
          c.status);
    count(report.by_agency[c.informer], c.status);
    count(report.by_right[c.right], c.status);
    count(report.total, c.status);
    report.clocks.push_back(c);
  }
  for (auto& [key, tally] : rows) {
    auto& [agency, right, duty, month, enhanced] = key;
    report.rows.push_back({agency, right, duty, enhanced, month, tally});
  }
  std::sort(report.clocks.begin(), report.clocks.end(), [](const Clock& a, const Clock& b) {
    return std::tie(a.started_at_ms, a.sender, a.message_id, a.duty, a.informer) <
           std::tie(b.started_at_ms, b.sender, b.message_id, b.duty, b.informer);
  });
  return report;
}

std::optional<ReportFormat> parse_report_format(std::string_view text) {
  if (text == "table") return ReportFormat::table;
  if (text == "csv") return ReportFormat::csv;
  if (text == "json") return ReportFormat::json;
  return std::nullopt;
}

std::string render_report(const Report& report, ReportFormat format, bool with_clocks) {
  switch (format) {
    case ReportFormat::csv:
      return render_csv(report);
    case ReportFormat::json:
      return render_json(report, with_clocks);
    case ReportFormat::table:
      break;
  }
  return render_table(report);
}

}  // namespace accord::compliance
