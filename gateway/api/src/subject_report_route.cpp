#include "subject_report_route.hpp"

#include <set>
#include <string>

#include "accord/api/audit_query.hpp"
#include "accord/audit/record_text.hpp"
#include "accord/audit/subject_report.hpp"
#include "audit_read.hpp"
#include "responses.hpp"

namespace accord::api {

void subject_report(const server::Request& request, std::string_view query, const AdminHooks& hooks,
                    spool::AuditReader& reader, server::Respond& respond) {
  auto pairs = split_query(query);
  if (!pairs.ok()) return respond(refusal(pairs.error()));
  static const std::set<std::string> kKeys = {"subject_ref", "from", "to"};
  for (const auto& [key, value] : *pairs) {
    if (!kKeys.contains(key)) {
      return respond(refusal("invalid_query",
                             "subject-report takes subject_ref, from and to, each at most once",
                             key));
    }
  }
  if (auto it = pairs->find("subject_ref"); it == pairs->end() || it->second.empty()) {
    return respond(refusal("invalid_query", "subject_ref is required", "subject_ref"));
  }
  // Times and the range as the records route reads them.
  auto params = parse_audit_query(query, AuditQueryAccepts::filters_and_paging);
  if (!params.ok()) return respond(refusal(params.error()));
  const std::string& subject = params->filter.subject_ref;

  audit::SubjectReport report(subject);
  std::vector<spool::IndexMismatch> mismatches;
  ReadFacts facts;
  std::int64_t after = 0;
  for (;;) {
    auto rows = reader.query(params->filter, after, spool::kMaxAuditPage);
    if (!rows.ok()) return respond(storage_failure(rows.error()));
    for (const auto& row : rows->rows) {
      if (!row.mismatched_columns.empty()) mismatches.push_back({row.seq, row.mismatched_columns});
      // A row selected by a forged subject_ref column is named by the mismatch header, not
      // listed as this subject's: only what the record itself says counts.
      const auto doc = audit::record_text::parse(row.record);
      if (audit::record_text::str(doc, "subject_ref") != subject) continue;
      report.add(row.record);
      if (facts.returned++ == 0) facts.first_seq = row.seq;
      facts.last_seq = row.seq;
    }
    if (!rows->more) break;
    after = rows->rows.back().seq;
  }
  auto response = make_response(200, report.json());
  report_mismatches(response, mismatches);
  answer_recorded(request, "subject_report", *params, hooks, facts, std::move(response), respond);
}

}  // namespace accord::api
