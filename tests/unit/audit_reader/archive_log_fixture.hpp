// The agreement archive in a real spool file for the archive route's tests: agreement.*
// records written by the real spool (Spool::record), as the gateway writes them at start and
// reload, around a real decision that names the version.
//
//   seq  kind                 agreement             at (+T0)
//    1   agreement.proposed   met-lvws-referral@2   1000   (kText)
//    2   agreement.proposed   met-lvws-referral@3   1000   (kOtherText)
//    3   agreement.signed     met-lvws-referral@2   2000
//    4   agreement.activated  met-lvws-referral@2   3000
//    5   decision.accepted    met-lvws-referral@2   4000
//    6   agreement.suspended  met-lvws-referral@2   6000   (reason "breach reported")
//    7   admin.agreements_loaded                    7000
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "accord/governance/signing.hpp"
#include "audit_log_fixture.hpp"

namespace accord::spool::testing {

inline const std::string kText =
    "id: met-lvws-referral\nversion: 2\ntitle: \"Referrals: caf\xc3\xa9 \\\"quoted\\\"\"\n"
    "status: active\nparties:\n  - agency: police.met\n  - agency: provider.lvws\n";
inline const std::string kOtherText = "id: met-lvws-referral\nversion: 3\nstatus: active\n";

inline audit::Event lifecycle(std::string kind, std::string agreement, std::int64_t at,
                              std::vector<std::pair<std::string, std::string>> details) {
  audit::Event e;
  e.kind = std::move(kind);
  e.at_ms = kT0 + at;
  e.agreement = std::move(agreement);
  e.details = std::move(details);
  return e;
}

// Writes the records above into `log`'s spool, then closes it.
inline void write_archive_log(AuditLog& log) {
  auto spool = log.open();
  ASSERT_NE(spool, nullptr);
  const std::string hash = governance::content_hash(kText);
  audit::Event suspended = lifecycle("agreement.suspended", "met-lvws-referral@2", 6000,
                                     {{"content_hash", hash},
                                      {"agency", "provider.lvws"},
                                      {"kid", "k2"},
                                      {"signed_at", "2026-01-01T00:00:06.000Z"},
                                      {"source", "api"},
                                      {"sig", "c2ln"}});
  suspended.reason = "breach reported";
  std::vector<audit::Event> events = {
      lifecycle("agreement.proposed", "met-lvws-referral@2", 1000,
                {{"content_hash", hash},
                 {"file", "met-lvws-referral.yaml"},
                 {"status", "active"},
                 {"mode", "enforce"},
                 {"parties", "police.met,provider.lvws"},
                 {"text", kText}}),
      lifecycle("agreement.proposed", "met-lvws-referral@3", 1000,
                {{"content_hash", governance::content_hash(kOtherText)},
                 {"file", "v3.yaml"},
                 {"status", "active"},
                 {"mode", "enforce"},
                 {"parties", "police.met"},
                 {"text", kOtherText}}),
      lifecycle("agreement.signed", "met-lvws-referral@2", 2000,
                {{"content_hash", hash},
                 {"agency", "police.met"},
                 {"kid", "k1"},
                 {"signed_at", "2026-01-01T00:00:02.000Z"},
                 {"source", "a.sig.json"},
                 {"sig", "c2ln"}}),
      lifecycle("agreement.activated", "met-lvws-referral@2", 3000,
                {{"content_hash", hash}, {"signed_by", "police.met,provider.lvws"}}),
  };
  auto s = wait_for<Status>([&](auto done) { spool->record(events, std::move(done)); });
  ASSERT_TRUE(s.ok()) << s.error().message;
  auto sub = AuditLog::submission("police.met", "m1", kC1, "S-1", 4000);
  AuditLog::add_copy(sub, "provider.lvws", "met-lvws-referral@2");
  AuditLog::append(*spool, sub);
  audit::Event loaded = lifecycle("admin.agreements_loaded", "", 7000, {{"agreements", "2"}});
  s = wait_for<Status>([&](auto done) { spool->record({suspended, loaded}, std::move(done)); });
  ASSERT_TRUE(s.ok()) << s.error().message;
  spool->shutdown();
}

}  // namespace accord::spool::testing
