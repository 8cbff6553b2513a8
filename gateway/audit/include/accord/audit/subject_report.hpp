// The subject access report (docs/operations.md "Audit log", UK GDPR Art. 15): every flow about one
// subject — time, kind, sender -> recipient, agreement, event type, fields with their actions,
// code and reason. Never values (records hold none). Pure: records in, text out. The same
// report for `accord audit report --subject` and GET /v1/admin/audit/subject-report.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace accord::audit {

class SubjectReport {
 public:
  explicit SubjectReport(std::string subject_ref) : subject_(std::move(subject_ref)) {}
  // Adds a stored record; callers pass only records whose own subject_ref is the subject.
  void add(std::string_view record);
  std::size_t size() const { return records_.size(); }
  std::string table() const;
  // {"subject_ref", "flows": [{"seq","at","kind",...,"fields":[{"path","action"}]}]}, two-space
  // indented, with a final newline.
  std::string json() const;

 private:
  std::string subject_;
  std::vector<std::string> records_;
};

}  // namespace accord::audit
