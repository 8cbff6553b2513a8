// Builds a large audit log in a real embedded spool and measures how fast it verifies:
//   1. N decision records (3 fields each, 1,000 cases, 5 recipients) written with
//      Spool::record in batches of 1,000 events, a signed checkpoint every 10,000 records;
//   2. AuditReader::verify over the database (the work of `accord audit verify --db`);
//   3. the whole log exported as an extract (AuditReader::extract_page, every record a match)
//      to a file, then audit::verify_export over that file (`accord audit verify FILE`).
// Prints records/s for each step. --keep leaves the database and key for timing the CLI.
#include <stdlib.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <string>

#include "accord/audit/verifier.hpp"
#include "accord/crypto/signature.hpp"
#include "accord/spool/audit_reader.hpp"
#include "accord/spool/sqlite_spool.hpp"

namespace {

using namespace accord;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

audit::Event event(std::int64_t i) {
  static const char* kRecipients[] = {"cps.london", "wcu.met", "court.london", "provider.lvws",
                                      "probation.london"};
  audit::Event e;
  e.kind = audit::kind::kDecisionAccepted;
  e.at_ms = 1'767'225'600'000 + i;
  e.message_id = "met-" + std::to_string(i / 5);
  e.sender = "police.met";
  e.recipient = kRecipients[i % 5];
  e.agreement = std::string("police-") + kRecipients[i % 5] + "@1";
  e.event_type = "hearing.scheduled";
  e.case_urn = "01MP" + std::to_string(1'000'000 + i % 1000);
  e.subject_role = "victim";
  e.subject_ref = "V-" + std::to_string(i % 1000);
  e.delivery_id = i + 1;
  e.content_hash = std::string(64, 'c');
  e.copy_hash = std::string(64, 'd');
  e.fields = {{"hearing.date", "share"}, {"victim.dob", "drop"}, {"victim.contact", "encrypt"}};
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Build an audit log of N records and measure verify and export speed"};
  std::int64_t count = 1'000'000;
  std::string dir;
  bool keep = false;
  app.add_option("-n,--count", count, "records")->check(CLI::PositiveNumber);
  app.add_option("-d,--dir", dir, "directory for spool.db and gateway.key (default: new /tmp dir)");
  app.add_flag("--keep", keep, "keep the directory afterwards");
  CLI11_PARSE(app, argc, argv);
  if (dir.empty()) {
    std::string tmpl = "/tmp/accord-audit-bench-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) return 1;
    dir = tmpl;
  }
  auto signer = crypto::GatewaySigner::load_or_create(dir + "/gateway.key", wall_ms());
  if (!signer.ok()) {
    std::fprintf(stderr, "signer: %s\n", signer.error().message.c_str());
    return 1;
  }
  auto shared_signer = std::make_shared<crypto::GatewaySigner>(*signer);
  std::ofstream(dir + "/gateway-key.json") << crypto::gateway_public_key_json(signer->public_key());

  spool::SqliteSpoolOptions o;
  o.path = dir + "/spool.db";
  o.audit.sign = [shared_signer](std::string_view bytes) { return shared_signer->sign(bytes); };
  o.audit.checkpoint_every_records = 10'000;
  o.audit.checkpoint_every_ms = 3'600'000;
  o.audit.now_ms = wall_ms;
  auto opened = spool::open_sqlite_spool(o);
  if (!opened.ok()) {
    std::fprintf(stderr, "spool: %s\n", opened.error().message.c_str());
    return 1;
  }
  auto& spool = *opened.value();

  constexpr std::int64_t kBatch = 1'000;
  auto start = Clock::now();
  std::deque<std::future<accord::Status>> in_flight;
  for (std::int64_t i = 0; i < count; i += kBatch) {
    std::vector<audit::Event> events;
    for (std::int64_t j = i; j < std::min(count, i + kBatch); ++j) events.push_back(event(j));
    auto p = std::make_shared<std::promise<accord::Status>>();
    in_flight.push_back(p->get_future());
    spool.record(std::move(events), [p](accord::Status s) { p->set_value(std::move(s)); });
    while (in_flight.size() > 8 || (i + kBatch >= count && !in_flight.empty())) {
      if (auto s = in_flight.front().get(); !s.ok()) {
        std::fprintf(stderr, "record: %s\n", s.error().message.c_str());
        return 1;
      }
      in_flight.pop_front();
    }
  }
  spool.shutdown();
  const double write_s = seconds_since(start);
  std::printf("write:  %lld records in %.2f s = %.0f records/s (durable, checkpoint/10k)\n",
              static_cast<long long>(count), write_s, count / write_s);

  auto reader = spool::AuditReader::open(o.path);
  if (!reader.ok()) return 1;
  start = Clock::now();
  auto report = (*reader)->verify(signer->public_key(), {});
  const double verify_s = seconds_since(start);
  if (!report.ok() || !report->ok()) {
    std::fprintf(stderr, "verify failed\n");
    return 1;
  }
  std::printf("verify --db: %lld records, %lld checkpoints in %.2f s = %.0f records/s\n",
              static_cast<long long>(report->records), static_cast<long long>(report->checkpoints),
              verify_s, report->records / verify_s);

  const std::string file = dir + "/export.jsonl";
  start = Clock::now();
  {
    std::ofstream out(file, std::ios::trunc);
    std::int64_t after = 0;
    for (;;) {
      auto page = (*reader)->extract_page({}, after, spool::kMaxAuditPage);
      if (!page.ok()) return 1;
      if (after == 0)
        out << spool::extract_header_line(page->first_seq, page->prev, wall_ms(), {}) << "\n";
      for (const auto& l : page->lines) out << l << "\n";
      if (!page->more) break;
      after = page->last_seq;
    }
  }
  const double export_s = seconds_since(start);
  std::printf("export: %.2f s = %.0f records/s (%lld MB)\n", export_s, count / export_s,
              static_cast<long long>(std::filesystem::file_size(file) >> 20));
  start = Clock::now();
  std::ifstream in(file);
  const auto file_report = audit::verify_export(in, signer->public_key(), {});
  const double fverify_s = seconds_since(start);
  if (!file_report.ok()) {
    std::fprintf(stderr, "export verify failed: %s\n", file_report.failure->message.c_str());
    return 1;
  }
  std::printf("verify FILE: %lld records in %.2f s = %.0f records/s\n",
              static_cast<long long>(file_report.records), fverify_s,
              file_report.records / fverify_s);
  if (!keep) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  } else {
    std::printf("kept %s (spool.db, gateway-key.json, export.jsonl)\n", dir.c_str());
  }
  return 0;
}
