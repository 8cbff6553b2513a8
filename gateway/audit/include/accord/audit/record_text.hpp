// Reading the members of a stored audit record (docs/audit-format.md §1) for reports and
// tables: lenient by design (a member that is absent or of another type reads as empty), so
// a report shows what a record says and never throws on one it cannot read. Pure.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace accord::audit::record_text {

// The record as a JSON object; an empty object when it is not one.
nlohmann::json parse(std::string_view record);

// A string member ("" when absent or not a string); an integer member as its decimal text.
std::string str(const nlohmann::json& doc, const char* key);

// An integer member (0 when absent or not an integer).
std::int64_t num(const nlohmann::json& doc, const char* key);

// "fields":[["path","action"],...] as pairs; anything else in the array is skipped.
std::vector<std::pair<std::string, std::string>> fields(const nlohmann::json& doc);

// The fields as "path:action;path:action".
std::string fields_text(const nlohmann::json& doc);

// Rows as fixed-width columns (two spaces apart), one line each.
std::string format_rows(const std::vector<std::vector<std::string>>& rows);

}  // namespace accord::audit::record_text
