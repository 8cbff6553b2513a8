// accord compliance notices: who was told of a consent withdrawal or an erasure request, and
// who has acknowledged (docs/compliance.md §8). Reads the audit log, from a spool database
// (--db, read only) or through the admin API (--gateway). Exit codes as `accord audit query`:
// 0 ok, 1 local problem, 2 refused by the gateway, 3 gateway error.
#include <cctype>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "accord/client/gateway_api.hpp"
#include "accord/spool/audit_reader.hpp"
#include "admin_connection.hpp"
#include "cli_errors.hpp"
#include "commands.hpp"
#include "notices_report.hpp"

namespace accord::cli {
namespace {

struct NoticesFlags {
  std::string message;  // SENDER/ID
  std::string subject;
  std::string db;
  std::string format = "table";
  AdminConnectionFlags connection;
};

std::vector<std::string> records_from_db(const std::string& db, const spool::AuditFilter& filter) {
  auto reader = spool::AuditReader::open(db);
  if (!reader.ok()) fail_local("--db " + db + ": " + reader.error().message);
  std::vector<std::string> out;
  std::int64_t after = 0;
  for (;;) {
    auto page = (*reader)->query(filter, after, spool::kMaxAuditPage);
    if (!page.ok()) fail_local("--db " + db + ": " + page.error().message);
    for (auto& row : page->rows) out.push_back(std::move(row.record));
    if (!page->more || page->rows.empty()) return out;
    after = page->rows.back().seq;
  }
}

std::vector<std::string> records_from_gateway(const AdminConnectionFlags& flags,
                                              const spool::AuditFilter& filter) {
  auto client = admin_client(flags);
  if (!client.ok()) fail_local(client.error().message);
  std::string query = filter.sender.empty() ? "subject_ref=" + encode_component(filter.subject_ref)
                                            : "sender=" + encode_component(filter.sender);
  std::vector<std::string> out;
  std::int64_t after = 0;
  for (;;) {
    auto r = (*client)->request(boost::beast::http::verb::get,
                                "/v1/admin/audit/records?" + query +
                                    "&after_seq=" + std::to_string(after) +
                                    "&limit=" + std::to_string(spool::kMaxAuditPage));
    if (!r.ok()) {
      std::cerr << "accord: no answer from gateway " << flags.gateway << ": " << r.error().message
                << "\n";
      throw CLI::RuntimeError(client::kExitFailed);
    }
    if (r->status != 200) {
      std::cerr << "accord: " << client::error_line(r->status, r->body) << "\n";
      throw CLI::RuntimeError(client::exit_code_for_status(r->status));
    }
    std::size_t start = 0;
    while (start < r->body.size()) {
      auto end = r->body.find('\n', start);
      if (end == std::string::npos) end = r->body.size();
      if (end > start) out.push_back(r->body.substr(start, end - start));
      start = end + 1;
    }
    const auto next = r->headers.find("accord-next-after-seq");
    if (next == r->headers.end()) return out;
    after = std::stoll(next->second);
  }
}

void run_notices(const NoticesFlags& f, bool from_gateway) {
  if (f.message.empty() == f.subject.empty()) fail_local("give one of --message or --subject");
  if (f.db.empty() == !from_gateway) fail_local("give one of --db or --gateway");
  spool::AuditFilter filter;
  std::optional<std::string> message_id;
  if (!f.message.empty()) {
    const auto slash = f.message.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == f.message.size()) {
      fail_local("--message must be SENDER/ID, e.g. police.met/withdraw-0001");
    }
    filter.sender = f.message.substr(0, slash);
    message_id = f.message.substr(slash + 1);
  } else {
    filter.subject_ref = f.subject;
  }
  const auto records =
      from_gateway ? records_from_gateway(f.connection, filter) : records_from_db(f.db, filter);
  const auto notices = fold_notices(records, message_id);
  std::cout << (f.format == "json" ? format_notices_json(notices) : format_notices_table(notices));
}

// The `compliance` group, made by whichever command registers first.
CLI::App* compliance_group(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    if (sub->get_name() == "compliance") return sub;
  }
  auto* group = app.add_subcommand("compliance", "Victims' Code compliance reports");
  group->require_subcommand(1);
  return group;
}

}  // namespace

void add_compliance_notices_command(CLI::App& app) {
  auto flags = std::make_shared<NoticesFlags>();
  CLI::App* cmd = compliance_group(app)->add_subcommand(
      "notices", "Who was told of a consent withdrawal or erasure request, and who acknowledged");
  cmd->add_option("--message", flags->message, "one message: SENDER/ID");
  cmd->add_option("--subject", flags->subject, "every propagation message about this subject");
  cmd->add_option("--db", flags->db,
                  "read this spool database (file or postgresql:// URI) instead of the gateway");
  cmd->add_option("--format", flags->format, "table | json")
      ->check(CLI::IsMember({"table", "json"}));
  add_admin_connection_options(cmd, flags->connection, "auditor");
  auto* gateway_option = cmd->get_option("--gateway");
  cmd->callback([flags, gateway_option] { run_notices(*flags, gateway_option->count() > 0); });
}

}  // namespace accord::cli
