// accord dlq list | retry: the dead letters of push delivery, through the admin listener with
// an admin certificate (GET /v1/admin/dlq, POST /v1/admin/dlq/retry).
//
// Exit codes (as `accord send`): 0 ok, 1 local problem (arguments, files), 2 refused by the
// gateway (4xx), 3 gateway error or no connection.
#include <chrono>
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "accord/client/gateway_api.hpp"
#include "accord/client/https_client.hpp"
#include "admin_connection.hpp"
#include "commands.hpp"

namespace accord::cli {
namespace {

using client::HttpResult;
using client::HttpsClient;
using http_verb = boost::beast::http::verb;
using nlohmann::json;

using ConnectionFlags = AdminConnectionFlags;

[[noreturn]] void finish(int code) {
  throw CLI::RuntimeError(code);
}

[[noreturn]] void fail_local(const std::string& message) {
  std::cerr << "accord dlq: " << message << "\n";
  finish(client::kExitLocal);
}

// One request; a transport failure or a non-2xx answer ends the command with its exit code.
HttpResult call(const ConnectionFlags& f, http_verb method, const std::string& target,
                const std::string& body = {}) {
  auto c = admin_client(f);
  if (!c) fail_local(c.error().message);
  auto r = c.value()->request(method, target, body);
  if (!r) {
    std::cerr << "accord dlq: no answer from gateway " << f.gateway << " (" << r.error().code
              << "): " << r.error().message << "\n";
    finish(client::kExitFailed);
  }
  const int code = client::exit_code_for_status(r->status);
  if (code != client::kExitOk) {
    std::cerr << "accord dlq: " << client::error_line(r->status, r->body) << "\n";
    finish(code);
  }
  return std::move(r.value());
}

json parse_answer(const std::string& body) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    std::cerr << "accord dlq: the gateway's answer is not a JSON object\n";
    finish(client::kExitFailed);
  }
  return doc;
}

std::string text(const json& item, const char* key) {
  const auto it = item.find(key);
  if (it == item.end()) return "-";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// One row per dead letter; "no dead letters" when empty.
std::string format_table(const json& items) {
  if (items.empty()) return "no dead letters\n";
  std::ostringstream out;
  auto row = [&out](const std::string& id, const std::string& recipient, const std::string& sender,
                    const std::string& type, const std::string& case_urn, const std::string& tries,
                    const std::string& dead_at, const std::string& reason) {
    out << std::left << std::setw(9) << id << ' ' << std::setw(14) << recipient << ' '
        << std::setw(14) << sender << ' ' << std::setw(26) << type << ' ' << std::setw(30)
        << case_urn << ' ' << std::setw(8) << tries << ' ' << std::setw(24) << dead_at << ' '
        << reason << '\n';
  };
  row("DELIVERY", "RECIPIENT", "SENDER", "TYPE", "CASE", "ATTEMPTS", "DEAD AT", "REASON");
  for (const auto& d : items) {
    row(text(d, "delivery_id"), text(d, "recipient"), text(d, "sender"), text(d, "event_type"),
        text(d, "case_urn"), text(d, "attempts"), text(d, "dead_at"),
        text(d, "code") + ": " + text(d, "detail"));
  }
  return out.str();
}

void add_list(CLI::App& group) {
  struct Flags {
    ConnectionFlags connection;
    std::string recipient;
    int limit = 100;
    std::string format = "table";
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = group.add_subcommand("list", "dead letters, oldest first: GET /v1/admin/dlq");
  cmd->add_option("--recipient", flags->recipient, "only this recipient agency");
  cmd->add_option("--limit", flags->limit, "at most this many (1..1000)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--format", flags->format, "table or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json"}));
  add_admin_connection_options(cmd, flags->connection, "admin");
  cmd->callback([flags] {
    std::string target = "/v1/admin/dlq?limit=" + std::to_string(flags->limit);
    if (!flags->recipient.empty()) target += "&recipient=" + flags->recipient;
    const HttpResult r = call(flags->connection, http_verb::get, target);
    const json doc = parse_answer(r.body);
    const auto items = doc.find("dead_letters");
    if (items == doc.end() || !items->is_array()) {
      std::cerr << "accord dlq: the gateway's answer has no dead_letters\n";
      finish(client::kExitFailed);
    }
    if (flags->format == "json") {
      std::cout << items->dump(2) << "\n";
    } else {
      std::cout << format_table(*items);
    }
    finish(client::kExitOk);
  });
}

void add_retry(CLI::App& group) {
  struct Flags {
    ConnectionFlags connection;
    std::string recipient;
    std::int64_t id = 0;
    bool all = false;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd =
      group.add_subcommand("retry", "put dead letters back in the queue: POST /v1/admin/dlq/retry");
  auto* recipient = cmd->add_option("--recipient", flags->recipient, "this recipient's only");
  auto* id = cmd->add_option("--id", flags->id, "this dead letter only (its delivery id)")
                 ->check(CLI::PositiveNumber);
  cmd->add_flag("--all", flags->all, "every dead letter of every recipient")
      ->excludes(recipient)
      ->excludes(id);
  add_admin_connection_options(cmd, flags->connection, "admin");
  cmd->footer("Name what to redrive: --recipient, --id (or both), or --all.");
  cmd->callback([flags] {
    if (!flags->all && flags->recipient.empty() && flags->id == 0) {
      fail_local("retry needs --recipient, --id or --all (redriving everything must be asked for)");
    }
    json body = json::object();
    if (!flags->recipient.empty()) body["recipient"] = flags->recipient;
    if (flags->id != 0) body["delivery_id"] = flags->id;
    const HttpResult r =
        call(flags->connection, http_verb::post, "/v1/admin/dlq/retry", body.dump());
    const json doc = parse_answer(r.body);
    std::cout << text(doc, "redriven") << " redriven\n";
    finish(client::kExitOk);
  });
}

}  // namespace

void add_dlq_commands(CLI::App& app) {
  CLI::App* group =
      app.add_subcommand("dlq", "List and redrive dead letters (admin listener, admin cert)");
  group->require_subcommand(1);
  add_list(*group);
  add_retry(*group);
}

}  // namespace accord::cli
