// A sans-I/O CSV reader (RFC 4180 plus what real exports do): bytes in, records out.
//
// - Fields are separated by ',' and records by CRLF or LF; a lone CR is data.
// - A field that starts with '"' is quoted: it may hold ',', CR, LF and '""' (one quote);
//   it ends at a '"' followed by ',', a line break or the end of input.
// - A UTF-8 byte-order mark at the very start is skipped; empty lines are skipped.
// - A malformed record (a quote inside an unquoted field, text after a closing quote, a
//   quoted field still open at the end of input) is returned with `error` set and reading
//   resumes at the next line break, so one bad row never hides the rest of the file.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace accord::adapters::csv {

struct Record {
  std::size_t line = 0;  // 1-based line where the record starts
  std::vector<std::string> cells;
  std::string error;  // empty when the record is well formed
};

std::vector<Record> parse(std::string_view text);

}  // namespace accord::adapters::csv
