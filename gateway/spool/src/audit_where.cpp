#include "audit_where.hpp"

#include "accord/core/time_format.hpp"

namespace accord::spool::detail {
namespace {

class Builder {
 public:
  Builder(SqlDialect dialect, int first_param, Where& out)
      : dialect_(dialect), next_param_(first_param), out_(out) {}

  // The filter's terms over one source of values: `content` reads the record's members,
  // otherwise the index columns.
  std::string terms(const AuditFilter& f, bool content) {
    std::vector<std::string> terms;
    auto col = [&](const char* name) { return content ? member(name) : std::string(name); };
    auto equals = [&](const char* name, const std::string& value) {
      if (value.empty()) return;
      terms.push_back(col(name) + " = " + param(value));
    };
    equals("case_urn", f.case_urn);
    equals("subject_ref", f.subject_ref);
    if (!f.agency.empty()) {
      const std::string sender = col("sender") + " = " + param(f.agency);
      terms.push_back("(" + sender + " OR " + col("recipient") + " = " + param(f.agency) + ")");
    }
    equals("sender", f.sender);
    equals("recipient", f.recipient);
    if (!f.agreement.empty()) {
      if (f.agreement.find('@') != std::string::npos) {
        equals("agreement", f.agreement);
      } else {
        // Any version: "id@..." by prefix. substr rather than LIKE: agreement ids may contain
        // '_' (a LIKE wildcard) and SQLite's LIKE ignores case.
        terms.push_back(prefix(col("agreement"), f.agreement + "@"));
      }
    }
    if (!f.kind.empty()) {
      if (f.kind.back() == '.') {
        terms.push_back(prefix(col("kind"), f.kind));
      } else {
        equals("kind", f.kind);
      }
    }
    if (!f.decision.empty()) equals("kind", "decision." + f.decision);
    // The record's "at" is fixed-width RFC 3339 with milliseconds, so text order (byte order:
    // COLLATE "C" on PostgreSQL, whose default collation may not be) is time order.
    auto time_term = [&](const std::optional<std::int64_t>& ms, const char* op) {
      if (!ms) return;
      if (content) {
        const char* collate = dialect_ == SqlDialect::postgresql ? " COLLATE \"C\"" : "";
        terms.push_back(member("at") + collate + " " + op + " " + param(format_time_ms(*ms)));
      } else {
        terms.push_back(std::string("at_ms ") + op + " " + param(*ms));
      }
    };
    time_term(f.from_ms, ">=");
    time_term(f.to_ms, "<");
    if (terms.empty()) return {};
    std::string sql;
    for (std::size_t i = 0; i < terms.size(); ++i) sql += (i == 0 ? "(" : " AND ") + terms[i];
    return sql + ")";
  }

  std::string always_true() const { return dialect_ == SqlDialect::sqlite ? "1" : "TRUE"; }

 private:
  // A record member as SQL: NULL when the record is not JSON or has no such member.
  std::string member(const char* name) const {
    if (dialect_ == SqlDialect::sqlite) {
      // json_extract would fail the statement on a non-JSON record; CASE evaluates lazily.
      return std::string("(CASE WHEN json_valid(record) THEN json_extract(record, '$.") + name +
             "') END)";
    }
    // accord_record_json() is NULL for a record that is not JSON (a cast would fail).
    return std::string("(accord_record_json(record) ->> '") + name + "')";
  }

  std::string prefix(const std::string& expr, const std::string& value) {
    const std::string length = param(static_cast<std::int64_t>(value.size()));
    return "substr(" + expr + ", 1, " + length + ") = " + param(value);
  }

  std::string param(SqlValue value) {
    out_.values.push_back(std::move(value));
    if (dialect_ == SqlDialect::sqlite) return "?";
    return "$" + std::to_string(next_param_++);
  }

  SqlDialect dialect_;
  int next_param_;
  Where& out_;
};

}  // namespace

Where build_where(const AuditFilter& filter, SqlDialect dialect, int first_param) {
  Where w;
  Builder b(dialect, first_param, w);
  const std::string content = b.terms(filter, true);
  if (content.empty()) {
    w.sql = b.always_true();
    return w;
  }
  w.sql = "(" + content + " OR " + b.terms(filter, false) + ")";
  return w;
}

}  // namespace accord::spool::detail
