// What `accord audit` prints from audit records (docs/audit-format.md §2): the query table, CSV
// rows, the per-agreement and shadow reports (the subject access report is
// accord/audit/subject_report.hpp, shared with the admin API). Pure: records in, text out.
// Records are the stored bytes; a record that is not a JSON object is shown with its seq only.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace accord::cli::audit_output {

// seq, at, kind, sender, recipient, agreement, case, subject, code; fixed-width with a header.
std::string table(const std::vector<std::string>& records);

// RFC 4180 CSV: a header line, then one line per record ("fields" as path:action;...).
std::string csv_header();
std::string csv_row(std::string_view record);

// A string member of a record ("" when absent or not a string, or not a JSON object).
std::string member(std::string_view record, const char* key);

// The record inside an export record line {"h":"..","r":RECORD}; empty for other lines.
std::string_view record_of_export_line(std::string_view line);

// Per-agreement summary. Deliveries carry no agreement: they are attributed through the
// delivery id of the decision that created the copy (seen earlier in the same scan).
class AgreementReport {
 public:
  // `agreement_filter`: "id@version", "id" (any version) or empty (all).
  explicit AgreementReport(std::string agreement_filter) : filter_(std::move(agreement_filter)) {}
  void add(std::string_view record);
  std::string table() const;
  std::string json() const;

 private:
  struct Row {
    std::int64_t decisions = 0;
    std::set<std::string> messages;  // sender/message_id
    std::map<std::string, std::int64_t> field_actions;
    std::int64_t acked = 0;
    std::int64_t dead_lettered = 0;
  };
  bool wanted(const std::string& agreement) const;
  std::string filter_;
  std::map<std::string, Row> rows_;
  std::map<std::int64_t, std::string> agreement_of_delivery_;
  // Copies counted as acked: a pushed copy has a channel's delivery.acked and later the
  // recipient's (docs/audit-format.md); it counts once.
  std::set<std::int64_t> acked_deliveries_;
  // Refusals by the agreement that refused ("-" when none covers the route), sender ->
  // recipient, code and reason.
  struct RefusalKey {
    std::string agreement, flow, code, reason;
    auto operator<=>(const RefusalKey&) const = default;
  };
  std::map<RefusalKey, std::int64_t> refused_;
  std::int64_t unattributed_deliveries_ = 0;
};

// What a shadow-mode agreement would have changed (decision.shadow records,
// docs/audit-format.md §1): per recipient, how often it would share or refuse and the exposure
// it would add or remove; per field, what was shared -> what the shadow agreement would share.
class ShadowReport {
 public:
  // `agreement_filter`: "id@version" or "id" (any version); required.
  explicit ShadowReport(std::string agreement_filter) : filter_(std::move(agreement_filter)) {}
  void add(std::string_view record);
  std::string table() const;
  std::string json() const;

 private:
  struct Row {
    std::int64_t would_share = 0;
    std::int64_t would_refuse = 0;
    std::map<std::string, std::int64_t> exposure;  // added, removed, changed, unchanged, none
  };
  struct FieldKey {
    std::string recipient, field, shared, shadow;
    auto operator<=>(const FieldKey&) const = default;
  };
  std::string filter_;
  std::int64_t evaluations_ = 0;
  std::set<std::string> messages_;
  std::set<std::string> agreements_;
  std::map<std::string, Row> rows_;
  std::map<FieldKey, std::int64_t> fields_;
};

}  // namespace accord::cli::audit_output
