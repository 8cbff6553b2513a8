// Turns CSV records into envelopes (sans-I/O): the header is checked once against the
// configured mapping, then each row becomes one envelope JSON text or a per-row error.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "accord/adapters/csv.hpp"
#include "accord/adapters/filedrop.hpp"
#include "accord/core/result.hpp"

namespace accord::adapters::detail {

// True when `id` could be an envelope id ([A-Za-z0-9._:-]{1,128}): only such ids are echoed
// into reports, so a mangled cell never copies arbitrary text (or a field value) there.
bool plausible_id(const std::string& id);

class RowMapper {
 public:
  // Errors (the whole file is refused): malformed_header (a broken record, an empty or
  // repeated column name), missing_column (a mapped column the header lacks).
  static Result<RowMapper> from_header(const FiledropInboundSettings& settings,
                                       const csv::Record& header);

  // One envelope (JSON text). Errors: malformed_row (the CSV record is broken),
  // wrong_cell_count, invalid_cell (a typed column that does not parse). Messages name
  // columns, never cell values.
  Result<std::string> envelope(const csv::Record& row) const;

  // The row's id cell if it is a plausible envelope id, else "".
  std::string id(const csv::Record& row) const;

 private:
  struct Field {
    std::string path;
    std::size_t column = 0;
    CellType type = CellType::string;
  };
  const FiledropInboundSettings* settings_ = nullptr;
  std::size_t width_ = 0;
  std::size_t id_column_ = 0;
  std::size_t event_type_column_ = 0;
  std::vector<Field> fields_;
  std::vector<std::string> column_names_;
};

}  // namespace accord::adapters::detail
