#include "accord/adapters/csv.hpp"

namespace accord::adapters::csv {

std::vector<Record> parse(std::string_view text) {
  std::vector<Record> out;
  std::size_t i = 0;
  std::size_t line = 1;
  if (text.starts_with("\xEF\xBB\xBF")) i = 3;
  const std::size_t n = text.size();

  auto at_line_end = [&](std::size_t k) {
    return k < n && (text[k] == '\n' || (text[k] == '\r' && k + 1 < n && text[k + 1] == '\n'));
  };
  // Consumes the line break at `k` (CRLF or LF) and returns the index after it.
  auto past_line_end = [&](std::size_t k) {
    ++line;
    return text[k] == '\r' ? k + 2 : k + 1;
  };

  while (i < n) {
    if (at_line_end(i)) {  // empty line
      i = past_line_end(i);
      continue;
    }
    Record record;
    record.line = line;
    std::string cell;
    bool record_done = false;
    while (!record_done) {
      cell.clear();
      if (i < n && text[i] == '"') {
        ++i;
        bool closed = false;
        while (i < n) {
          const char c = text[i];
          if (c == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              cell += '"';
              i += 2;
              continue;
            }
            ++i;
            closed = true;
            break;
          }
          if (c == '\n') ++line;
          cell += c;
          ++i;
        }
        if (!closed) {
          record.error = "quoted field is not closed before the end of the file";
          record.cells.push_back(cell);
          i = n;
          break;
        }
        if (i < n && text[i] != ',' && !at_line_end(i)) {
          record.error = "text after the closing quote of a field";
        }
      } else {
        while (i < n && text[i] != ',' && !at_line_end(i)) {
          if (text[i] == '"' && record.error.empty()) {
            record.error = "a quote inside an unquoted field (quote the whole field)";
          }
          cell += text[i];
          ++i;
        }
      }
      if (!record.error.empty()) {
        // Resynchronise at the next line break; the cells read so far are kept for context.
        record.cells.push_back(cell);
        while (i < n && !at_line_end(i)) ++i;
        if (i < n) i = past_line_end(i);
        break;
      }
      record.cells.push_back(cell);
      if (i >= n) {
        record_done = true;
      } else if (text[i] == ',') {
        ++i;
        if (i >= n) {  // "a,b," at the end of input: one more, empty, cell
          record.cells.emplace_back();
          record_done = true;
        }
      } else {
        i = past_line_end(i);
        record_done = true;
      }
    }
    out.push_back(std::move(record));
  }
  return out;
}

}  // namespace accord::adapters::csv
