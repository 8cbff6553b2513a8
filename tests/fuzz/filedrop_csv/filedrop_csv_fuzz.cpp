// libFuzzer target for the file-drop CSV reader (adapters/filedrop/src/csv.cpp): any bytes
// must parse without crashing into records whose line numbers start at 1 and never go back,
// and a file read without errors must read back the same cells once written out again with
// every cell quoted (the reader and RFC 4180 agree on what the cells were).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "accord/adapters/csv.hpp"

namespace csv = accord::adapters::csv;

namespace {

std::string quoted(const std::vector<csv::Record>& records) {
  std::string out;
  for (const auto& record : records) {
    for (std::size_t i = 0; i < record.cells.size(); ++i) {
      if (i > 0) out += ',';
      out += '"';
      for (const char c : record.cells[i]) {
        if (c == '"') out += '"';
        out += c;
      }
      out += '"';
    }
    out += "\r\n";
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto records = csv::parse(text);
  bool clean = true;
  std::size_t previous_line = 1;
  for (const auto& record : records) {
    if (record.line < previous_line || record.line > size + 1) std::abort();
    if (record.cells.empty()) std::abort();
    previous_line = record.line;
    if (!record.error.empty()) clean = false;
  }
  if (!clean) return 0;
  const auto again = csv::parse(quoted(records));
  if (again.size() != records.size()) std::abort();
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (!again[i].error.empty() || again[i].cells != records[i].cells) std::abort();
  }
  return 0;
}
