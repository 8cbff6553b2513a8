// An AuditFilter as a SQL WHERE expression over audit_records, for either backend's dialect.
//
// The index columns (sender, case_urn, at_ms, ...) are copies that the chain does not protect:
// an administrator with write access can change them. So a row is selected when the record
// itself matches (its members, read with the database's JSON functions) OR its columns match;
// the reader then re-checks the columns of every selected row against the record
// (index_mismatches()) and reports the ones that disagree. Changing a column can neither hide
// a record from a query nor make another record look like a match unnoticed.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "accord/spool/audit_reader.hpp"

namespace accord::spool::detail {

enum class SqlDialect {
  sqlite,      // '?' placeholders; json_valid/json_extract
  postgresql,  // $N placeholders; accord_record_json(record) ->> (docs/storage.md)
};

using SqlValue = std::variant<std::string, std::int64_t>;

// `sql` is a boolean expression; `values` fill its placeholders in order. With the
// postgresql dialect the placeholders are numbered from `first_param` ($first_param, ...).
struct Where {
  std::string sql;
  std::vector<SqlValue> values;
};

Where build_where(const AuditFilter& filter, SqlDialect dialect, int first_param = 1);

}  // namespace accord::spool::detail
