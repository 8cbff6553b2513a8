#include "fixtures.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "accord/agreements/loader.hpp"

namespace accord::agreements::testing {

const envelope::Vocabulary& vocabulary() {
  static const envelope::Vocabulary v = [] {
    auto r = envelope::Vocabulary::parse(read_file(source_dir() + "/config/vocabulary.yaml"));
    if (!r.ok()) std::abort();
    return std::move(r.value());
  }();
  return v;
}

const AgencyDirectory& directory() {
  static const AgencyDirectory d = [] {
    auto r = AgencyDirectory::parse(read_file(source_dir() + "/config/agencies.yaml"));
    if (!r.ok()) std::abort();
    return std::move(r.value());
  }();
  return d;
}

Instant at(std::string_view text) {
  const auto t = parse_instant(text);
  if (!t) std::abort();
  return *t;
}

std::string base_yaml() {
  return R"(id: test-agreement
version: 1
title: Test agreement
status: active
provider: police.met
recipients: [provider.lvws, provider.survivors-uk]
parties:
  - {agency: police.met, role: controller, competent_authority: true}
  - {agency: provider.lvws, role: controller}
  - {agency: provider.survivors-uk, role: processor}
purpose: Testing.
victims_code_right: Right 4
lawful_basis:
  article6: 6(1)(e) public task
valid_from: 2026-01-01
valid_until: 2027-01-01
review_by: 2026-12-01
retention:
  - {agency: provider.lvws, period: P1Y, trigger: case_closed, disposal: deletion}
  - {agency: provider.survivors-uk, period: P1Y, trigger: case_closed, disposal: deletion}
onward_sharing: prohibited
max_classification: OFFICIAL-SENSITIVE
breach_contact: dpo@example.org
signatories:
  - {name: A. Person, role: SIRO, agency: police.met}
dpia_ref: DPIA-1
flows:
  - name: referral
    events: [referral.created]
    fields:
      data.offence.category: share
)";
}

std::string replace(std::string text, std::string_view from, std::string_view to) {
  const auto at = text.find(from);
  if (at == std::string::npos) {
    ADD_FAILURE() << "test bug: `" << from << "` not in text";
    return text;
  }
  text.replace(at, from.size(), to);
  return text;
}

std::string with_flows(std::string_view flows, std::string text) {
  const auto at = text.find("flows:\n");
  return text.substr(0, at) + "flows:\n" + std::string(flows);
}

Pos pos_of(std::string_view text, std::string_view marker, int skip) {
  std::size_t at = text.find(marker);
  for (int i = 0; i < skip && at != std::string_view::npos; ++i) at = text.find(marker, at + 1);
  if (at == std::string_view::npos) {
    ADD_FAILURE() << "test bug: marker `" << marker << "` not in text";
    return {};
  }
  const std::string_view before = text.substr(0, at);
  const int line = static_cast<int>(std::count(before.begin(), before.end(), '\n')) + 1;
  const auto nl = before.rfind('\n');
  const int column = static_cast<int>(nl == std::string_view::npos ? at + 1 : at - nl);
  return Pos{line, column};
}

Agreement load(const std::string& text, const std::string& file) {
  LoadResult r = parse(text, file);
  for (const auto& d : r.diagnostics) ADD_FAILURE() << d.to_string();
  if (!r.agreement) std::abort();
  return std::move(*r.agreement);
}

envelope::Envelope make_envelope(std::string type,
                                 std::vector<std::pair<std::string, std::string>> fields,
                                 std::string classification, std::string role) {
  envelope::Envelope e;
  e.id = "msg-1";
  e.type = std::move(type);
  e.case_ref = {"01AB1234521", "police.met"};
  e.subject = {std::move(role), "V-1"};
  e.occurred_at = "2026-11-20T09:30:00Z";
  e.classification = std::move(classification);
  for (auto& [p, v] : fields) e.data.push_back(envelope::Field{p, v});
  std::sort(e.data.begin(), e.data.end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });
  return e;
}

}  // namespace accord::agreements::testing
