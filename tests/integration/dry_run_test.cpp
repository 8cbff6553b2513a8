// The dry run against what the gateway then does (issue 16, "Done when"): a real gateway
// decides N varied submissions under the sample agreements; a proposed set (new versions of
// two of them) is tried on that traffic through the admin API and through `accord agreements
// dry-run --db`; then the proposed set is put in force, the same N submissions are sent again
// under new ids, and the copies the gateway actually made differ from the first round's
// exactly as the dry run counted. Real mTLS on loopback, a real spool, the real CLI.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <tuple>

#include "accord/agreements/time.hpp"
#include "accord/env/fake_env.hpp"
#include "harness.hpp"

namespace accord::test {
namespace {

namespace fs = std::filesystem;
using boost::beast::http::verb;
using nlohmann::json;

constexpr int kMessages = 8;
constexpr const char* kNow = "2026-12-01T10:00:00Z";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("no '" + from + "' in the text");
  return text.replace(at, from.size(), to);
}

// Submission i of a round: the sample arrest with fields left out or added by i, so the
// copies differ from one submission to the next.
std::string submission(int round, int i) {
  json e = json::parse(read_source_file("tests/data/integration/suspect_arrested.json"));
  e["id"] = "dry-run-" + std::to_string(round) + "-" + std::to_string(i);
  if (i % 2 == 1) e["data"].erase("needs");
  if (i % 3 == 2) e["data"]["victim"].erase("dob");
  if (i % 4 == 3) e["data"]["victim"].erase("contact");
  if (i % 5 == 4) e["data"].erase("officer");
  return e.dump();
}

// Every decision.accepted an agreement granted (notice copies name none), by message id:
// recipient -> path -> action.
using Copies = std::map<std::string, std::map<std::string, std::string>>;
std::map<std::string, Copies> copies_in(const std::string& db_path) {
  sqlite3* db = nullptr;
  std::map<std::string, Copies> out;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << db_path;
    sqlite3_close(db);
    return out;
  }
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT record FROM audit_records WHERE kind = 'decision.accepted' "
                     "ORDER BY seq",
                     -1, &st, nullptr);
  while (sqlite3_step(st) == SQLITE_ROW) {
    const json r = json::parse(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    if (!r.contains("agreement")) continue;
    auto& fields = out[r["message_id"]][r["recipient"]];
    for (const auto& f : r.value("fields", json::array())) {
      fields["data." + f[0].get<std::string>()] = f[1].get<std::string>();
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

using Line = std::tuple<std::string, std::string, std::string, std::string, std::string,
                        std::string, std::string>;

// What changed from one round to the other, in the dry run's terms (docs/agreements.md, "Dry
// run"), counted over messages: written from the doc, not from the implementation.
std::map<Line, std::int64_t> observed_changes(const std::map<std::string, Copies>& all) {
  std::map<Line, std::int64_t> counts;
  const std::string sender = "police.met", event = "suspect.arrested";
  for (int i = 0; i < kMessages; ++i) {
    const auto find = [&](int round) {
      const auto it = all.find("dry-run-" + std::to_string(round) + "-" + std::to_string(i));
      return it == all.end() ? Copies{} : it->second;
    };
    const Copies before = find(1), after = find(2);
    std::set<std::string> recipients;
    for (const auto& [r, f] : before) recipients.insert(r);
    for (const auto& [r, f] : after) recipients.insert(r);
    std::set<Line> lines;
    for (const auto& r : recipients) {
      const auto b = before.find(r), a = after.find(r);
      if (b == before.end()) {
        lines.insert({r, sender, event, "route_gained", "", "", ""});
        for (const auto& [p, act] : a->second) {
          if (act != "drop") lines.insert({r, sender, event, "field_gained", p, "", act});
        }
        continue;
      }
      if (a == after.end()) {
        lines.insert({r, sender, event, "route_lost", "", "", ""});
        for (const auto& [p, act] : b->second) {
          if (act != "drop") lines.insert({r, sender, event, "field_lost", p, act, "drop"});
        }
        continue;
      }
      std::set<std::string> paths;
      for (const auto& [p, act] : b->second) paths.insert(p);
      for (const auto& [p, act] : a->second) paths.insert(p);
      for (const auto& p : paths) {
        const std::string from = b->second.contains(p) ? b->second.at(p) : "drop";
        const std::string to = a->second.contains(p) ? a->second.at(p) : "drop";
        if (from == to) continue;
        if (from == "drop") {
          lines.insert({r, sender, event, "field_gained", p, "", to});
        } else if (to == "drop") {
          lines.insert({r, sender, event, "field_lost", p, from, "drop"});
        } else {
          lines.insert({r, sender, event, "form_changed", p, from, to});
        }
      }
    }
    for (const auto& l : lines) ++counts[l];
  }
  return counts;
}

std::map<Line, std::int64_t> dry_run_changes(const json& answer) {
  std::map<Line, std::int64_t> out;
  for (const auto& c : answer.at("changes")) {
    out[{c["recipient"], c["sender"], c["event_type"], c["change"], c["path"], c["from"],
         c["to"]}] = c["messages"].get<std::int64_t>();
  }
  return out;
}

class DryRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::copy(source_dir() + "/config/agreements", current_.path(),
             fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    fs::copy(source_dir() + "/config/agreements", proposed_.path(),
             fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    // The proposal: the WCU would no longer get the victim's year of birth, would get the
    // needs and the phone in clear; LVWS would no longer hear of arrests.
    const std::string wcu = proposed_.file("met-wcu-victim-updates.yaml");
    std::string text = replaced(read_text(wcu), "version: 1", "version: 2");
    text = replaced(text,
                    "      data.victim.contact.phone: {action: mask, keep_last: 3}\n"
                    "      data.victim.dob: {action: generalise, to: year}\n"
                    "      data.needs.*: drop\n",
                    "      data.victim.contact.phone: share\n"
                    "      data.victim.dob: drop\n"
                    "      data.needs.*: share\n");
    std::ofstream(wcu, std::ios::trunc) << text;
    const std::string lvws = proposed_.file("met-lvws-referral.yaml");
    text = replaced(read_text(lvws), "version: 1", "version: 2");
    text = replaced(text, "    events: [suspect.arrested, suspect.released,",
                    "    events: [suspect.released,");
    std::ofstream(lvws, std::ios::trunc) << text;

    env_.set_now_ms(agreements::parse_instant(kNow)->time_since_epoch().count() * 1000);
    config_ = write_config(dir_, {}, current_.path());
    gateway_ = std::make_unique<InProcessGateway>(config_, &env_);
  }

  client::HttpResult call(const std::string& who, verb method, const std::string& target,
                          const std::string& body = {}, bool admin = false) {
    auto client = make_client(who, admin ? gateway_->admin_port() : gateway_->port());
    auto result = client->request(method, target, body, "application/json");
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
    return result.ok() ? result.value() : client::HttpResult{};
  }

  void send_round(int round) {
    for (int i = 0; i < kMessages; ++i) {
      const auto r = call("police.met", verb::post, "/v1/messages", submission(round, i));
      EXPECT_EQ(r.status, 202u) << r.body;
    }
  }

  json proposed_body() const {
    json files = json::array();
    for (const auto& entry : fs::directory_iterator(proposed_.path())) {
      files.push_back(
          {{"file", entry.path().filename().string()}, {"text", read_text(entry.path().string())}});
    }
    return {{"agreements", files}, {"since", "2026-11-01"}, {"at", kNow}};
  }

  TempDir dir_, current_, proposed_;
  std::string config_;
  env::FakeEnv env_;
  std::unique_ptr<InProcessGateway> gateway_;
};

TEST_F(DryRunTest, CountsMatchWhatTheGatewayDoesOnceTheChangeIsInForce) {
  send_round(1);

  // Through the admin API (an auditor may), then offline over the spool file.
  const auto api =
      call("auditor", verb::post, "/v1/admin/agreements/dry-run", proposed_body().dump(), true);
  ASSERT_EQ(api.status, 200u) << api.body;
  const json answer = json::parse(api.body);
  EXPECT_EQ(answer["submissions"], kMessages);
  EXPECT_EQ(answer["undecidable"], 0) << api.body;
  ASSERT_FALSE(answer["changes"].empty()) << api.body;

  const auto cli =
      // In a subshell with its own stderr: the validator's warnings go there, the JSON here.
      run_command("(" + binary_dir() + "/tools/accord/accord agreements dry-run " +
                  proposed_.path() + " --db " + dir_.file("spool.db") +
                  " --since 2026-11-01 --at " + kNow + " --json --agencies " + source_dir() +
                  "/config/agencies.yaml --vocabulary " + source_dir() +
                  "/config/vocabulary.yaml 2>/dev/null)");
  EXPECT_EQ(cli.status, 1) << cli.output;  // 1: changes
  EXPECT_EQ(json::parse(cli.output, nullptr, false), answer) << cli.output;

  // Put the proposal in force and send the same submissions again.
  for (const auto& entry : fs::directory_iterator(proposed_.path())) {
    fs::copy_file(entry.path(), fs::path(current_.path()) / entry.path().filename(),
                  fs::copy_options::overwrite_existing);
  }
  // Activation takes every party's signature over the new versions (the harness's dev keys).
  sign_agreements(current_.path(), signatures_dir(dir_));
  const auto reload = call("admin", verb::post, "/v1/admin/agreements/reload", {}, true);
  ASSERT_EQ(reload.status, 200u) << reload.body;
  EXPECT_TRUE(json::parse(reload.body).value("held", json::array()).empty()) << reload.body;
  send_round(2);

  const auto observed = observed_changes(copies_in(dir_.file("spool.db")));
  EXPECT_EQ(dry_run_changes(answer), observed);
  // Every submission reached the WCU, whose copy changes whatever the fields present.
  EXPECT_EQ(answer["changed"], kMessages);
}

TEST_F(DryRunTest, AnInvalidProposalIsRefusedWithItsDiagnosticsAndTheReadIsAudited) {
  send_round(1);
  json body = proposed_body();
  for (auto& f : body["agreements"]) {
    if (f["file"] == "met-wcu-victim-updates.yaml") {
      f["text"] = replaced(f["text"].get<std::string>(), "recipients: [wcu.met]",
                           "recipients: [wcu.nowhere]");
    }
  }
  const auto refused = call("admin", verb::post, "/v1/admin/agreements/dry-run", body.dump(), true);
  ASSERT_EQ(refused.status, 422u) << refused.body;
  const json error = json::parse(refused.body);
  EXPECT_EQ(error["error"]["code"], "invalid_agreements");
  ASSERT_FALSE(error["diagnostics"].empty());
  EXPECT_NE(error["diagnostics"][0].get<std::string>().find("met-wcu-victim-updates.yaml:"),
            std::string::npos)
      << refused.body;

  const auto bad = call("admin", verb::post, "/v1/admin/agreements/dry-run",
                        R"({"agreements":[],"since":"forever"})", true);
  EXPECT_EQ(bad.status, 400u) << bad.body;
  EXPECT_NE(bad.body.find("\"since\""), std::string::npos) << bad.body;
  const auto agency = call("police.met", verb::post, "/v1/admin/agreements/dry-run", "{}", true);
  EXPECT_EQ(agency.status, 403u);

  const auto ok =
      call("admin", verb::post, "/v1/admin/agreements/dry-run", proposed_body().dump(), true);
  ASSERT_EQ(ok.status, 200u) << ok.body;
  const auto reads = run_command(binary_dir() + "/tools/accord/accord audit query --db " +
                                 dir_.file("spool.db") + " --kind audit.read --format jsonl");
  EXPECT_NE(reads.output.find("\"endpoint\":\"agreements.dry_run\""), std::string::npos)
      << reads.output;

  // The CLI refuses the same set offline with the diagnostics' file:line:col, exit 2.
  const std::string wcu = proposed_.file("met-wcu-victim-updates.yaml");
  // Read before the stream truncates the file.
  const std::string broken =
      replaced(read_text(wcu), "recipients: [wcu.met]", "recipients: [wcu.nowhere]");
  std::ofstream(wcu, std::ios::trunc) << broken;
  const std::string offline = binary_dir() + "/tools/accord/accord agreements dry-run " +
                              proposed_.path() + " --db " + dir_.file("spool.db") + " --agencies " +
                              source_dir() + "/config/agencies.yaml" + " --vocabulary " +
                              source_dir() + "/config/vocabulary.yaml";
  const auto cli = run_command(offline + " 2>&1");
  EXPECT_EQ(cli.status, 2) << cli.output;
  EXPECT_NE(cli.output.find(wcu + ":"), std::string::npos) << cli.output;
  EXPECT_EQ(run_command(offline + " --since yesterday 2>&1").status, 2);
}

}  // namespace
}  // namespace accord::test
