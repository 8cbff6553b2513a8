// The console's admin endpoints through the real gateway (mTLS on loopback, the sample London
// agencies and agreements, a real spool): who may call each and what they answer
// (gateway/api/src/console_api_routes.hpp, docs/api.yaml).
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "harness.hpp"

namespace accord::test {
namespace {

using boost::beast::http::verb;
using nlohmann::json;

const char* kSubject = "V-7F3A91C2";  // the sample envelopes' victim

class ConsoleApiTest : public ::testing::Test {
 protected:
  void SetUp() override { gateway_ = std::make_unique<InProcessGateway>(write_config(dir_)); }

  client::HttpResult post(const std::string& who, const std::string& body) {
    auto r = make_client(who, gateway_->port())->request(verb::post, "/v1/messages", body);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : client::HttpResult{};
  }

  // Connection flags for the CLI as `who` against the admin listener.
  std::string as(const std::string& who) const {
    const auto& pki = Pki::get();
    return " --gateway 127.0.0.1:" + std::to_string(gateway_->admin_port()) + " --ca " +
           pki.file("ca.pem") + " --cert " + pki.file(who + ".pem") + " --key " +
           pki.file(who + ".key") + " ";
  }

  // The audit.read records of the log, as the auditor reads them.
  std::vector<json> audit_reads() {
    const auto r = admin("auditor", verb::get, "/v1/admin/audit/records?kind=audit.read");
    std::vector<json> out;
    std::size_t start = 0;
    while (start < r.body.size()) {
      const auto end = r.body.find('\n', start);
      out.push_back(json::parse(r.body.substr(start, end - start)));
      start = end == std::string::npos ? r.body.size() : end + 1;
    }
    return out;
  }

  client::HttpResult admin(const std::string& who, verb method, const std::string& target) {
    auto r = make_client(who, gateway_->admin_port())->request(method, target);
    EXPECT_TRUE(r.ok()) << target;
    return r.ok() ? *r : client::HttpResult{};
  }

  TempDir dir_;
  std::unique_ptr<InProcessGateway> gateway_;
};

TEST_F(ConsoleApiTest, WhoamiNamesTheCertificate) {
  for (const std::string who : {"admin", "auditor"}) {
    const auto r = admin(who, verb::get, "/v1/admin/whoami");
    ASSERT_EQ(r.status, 200u) << r.body;
    const auto body = json::parse(r.body);
    EXPECT_EQ(body["id"], who);
    EXPECT_EQ(body["role"], who);
    // The subject as the listener read it from the certificate (RFC 2253: last RDN first).
    EXPECT_NE(body["subject"].get<std::string>().find("CN=" + who), std::string::npos) << r.body;
  }
  const auto agency = admin("police.met", verb::get, "/v1/admin/whoami");
  EXPECT_EQ(agency.status, 403u);
  EXPECT_EQ(json::parse(agency.body)["error"]["code"], "forbidden");
  EXPECT_EQ(admin("admin", verb::post, "/v1/admin/whoami").status, 405u);
}

// The report the console shows is the one `accord audit report --subject --format json`
// prints, byte for byte; only auditors get it, and each one is an audit.read.
TEST_F(ConsoleApiTest, SubjectReportIsTheCliReport) {
  ASSERT_EQ(
      post("police.met", read_source_file("tests/data/integration/suspect_arrested.json")).status,
      202u);
  EXPECT_EQ(
      post("cps.london", read_source_file("tests/data/integration/suspect_arrested.json")).status,
      422u);
  const std::string target = std::string("/v1/admin/audit/subject-report?subject_ref=") + kSubject;
  const auto r = admin("auditor", verb::get, target);
  ASSERT_EQ(r.status, 200u) << r.body;
  const auto doc = json::parse(r.body);
  EXPECT_EQ(doc["subject_ref"], kSubject);
  ASSERT_GE(doc["flows"].size(), 3u) << r.body;  // inputs, accepted copies, the refusal
  bool accepted = false, refused = false;
  for (const auto& flow : doc["flows"]) {
    accepted |= flow["kind"] == "decision.accepted" && !flow["fields"].empty();
    refused |= flow["kind"] == "decision.refused" && flow["sender"] == "cps.london";
  }
  EXPECT_TRUE(accepted) << r.body;
  EXPECT_TRUE(refused) << r.body;

  const auto cli = run_command(binary_dir() + "/tools/accord/accord audit report --format json " +
                               "--subject " + kSubject + as("auditor"));
  ASSERT_EQ(cli.status, 0) << cli.output;
  EXPECT_EQ(json::parse(cli.output), doc);

  // A time window: nothing before the records were written.
  const auto empty = admin("auditor", verb::get, target + "&to=2000-01-01");
  ASSERT_EQ(empty.status, 200u) << empty.body;
  EXPECT_TRUE(json::parse(empty.body)["flows"].empty());

  const auto reads = audit_reads();
  int reports = 0;
  for (const auto& read : reads) {
    const auto& d = read["details"];
    if (d.value("endpoint", "") != "subject_report") continue;
    ++reports;
    EXPECT_EQ(d["actor"], "auditor");
    EXPECT_EQ(json::parse(d["filter"].get<std::string>())["subject_ref"], kSubject);
  }
  EXPECT_EQ(reports, 2);

  for (const std::string who : {"admin", "police.met"}) {
    const auto refused_read = admin(who, verb::get, target);
    EXPECT_EQ(refused_read.status, 403u) << who;
    EXPECT_EQ(json::parse(refused_read.body)["error"]["code"], "forbidden");
  }
  EXPECT_EQ(admin("auditor", verb::post, target).status, 405u);
}

TEST_F(ConsoleApiTest, SubjectReportRefusesABadQuery) {
  const std::string base = "/v1/admin/audit/subject-report";
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"", "subject_ref"},
      {"?subject_ref=", "subject_ref"},
      {"?subject_ref=V-1&case_urn=X", "case_urn"},
      {"?subject_ref=V-1&limit=5", "limit"},
      {"?subject_ref=V-1&subject_ref=V-2", "subject_ref"},
      {"?subject_ref=V-1&from=yesterday", "from"},
      {"?subject_ref=V-1&from=2026-02-01&to=2026-01-01", "to"},
      {"?subject_ref=%zz", "subject_ref"}};
  for (const auto& [query, path] : rows) {
    const auto r = admin("auditor", verb::get, base + query);
    EXPECT_EQ(r.status, 400u) << query << ": " << r.body;
    const auto error = json::parse(r.body)["error"];
    EXPECT_EQ(error["code"], "invalid_query") << query;
    EXPECT_EQ(error["path"], path) << query << ": " << r.body;
  }
}

// Every version of the loaded set answers with its exact file text; a diff of a version with
// itself changes nothing; an unknown version is 404 unknown_version.
TEST_F(ConsoleApiTest, AgreementVersionsAreTheLoadedSet) {
  const auto list = admin("admin", verb::get, "/v1/admin/agreements");
  ASSERT_EQ(list.status, 200u) << list.body;
  const auto loaded = json::parse(list.body)["agreements"];
  ASSERT_FALSE(loaded.empty());
  for (const auto& a : loaded) {
    const std::string ref =
        a["id"].get<std::string>() + "@" + std::to_string(a["version"].get<int>());
    const auto r = admin("auditor", verb::get, "/v1/admin/agreements/" + ref);
    ASSERT_EQ(r.status, 200u) << ref << ": " << r.body;
    const auto v = json::parse(r.body);
    EXPECT_EQ(v["agreement"], ref);
    EXPECT_EQ(v["file"], a["file"]);
    EXPECT_EQ(v["text"], read_source_file("config/agreements/" + a["file"].get<std::string>()))
        << ref;
    EXPECT_EQ(v["content_hash"], a["content_hash"]) << ref;
    EXPECT_EQ("sha256:" + v["sha256"].get<std::string>(), a["content_hash"]) << ref;
    EXPECT_EQ(v["governance"], a["governance"]) << ref;
    EXPECT_EQ(v["missing"], a["missing"]) << ref;
    EXPECT_EQ(v["signed_by"].size(), a["signed_by"].size()) << ref;
    EXPECT_EQ(v["valid_until"], a["valid_until"]) << ref;
  }
  const auto same = admin("admin", verb::get,
                          "/v1/admin/agreements/diff?from=met-wcu-victim-updates@1&to="
                          "met-wcu-victim-updates%401");
  ASSERT_EQ(same.status, 200u) << same.body;
  EXPECT_TRUE(json::parse(same.body)["exposure"].empty()) << same.body;
  // Two different agreements: every route of one is lost, every route of the other gained.
  const auto other = admin("auditor", verb::get,
                           "/v1/admin/agreements/diff?from=met-wcu-victim-updates@1&to="
                           "met-cps-case-file@1");
  ASSERT_EQ(other.status, 200u) << other.body;
  bool gained = false, lost = false;
  const auto diff = json::parse(other.body);  // outlives the loop
  for (const auto& c : diff["exposure"]) {
    gained |= c["change"] == "gained" && c["whole_route"] == true && c["recipient"] == "cps.london";
    lost |= c["change"] == "lost" && c["whole_route"] == true && c["recipient"] == "wcu.met";
  }
  EXPECT_TRUE(gained && lost) << other.body;

  const auto unknown = admin("admin", verb::get, "/v1/admin/agreements/met-wcu-victim-updates@99");
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_EQ(json::parse(unknown.body)["error"]["code"], "unknown_version");
  const auto bad = admin("admin", verb::get, "/v1/admin/agreements/diff?from=x");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(admin("police.met", verb::get, "/v1/admin/agreements/met-wcu-victim-updates@1").status,
            403u);
}

// The flow counters: copies stored per agreement, recipients refused, a refusal no agreement
// covers; a duplicate changes nothing; /metrics says the same.
TEST_F(ConsoleApiTest, FlowsCountWhatThePipelineDecided) {
  const auto arrested = read_source_file("tests/data/integration/suspect_arrested.json");
  const auto first = post("police.met", arrested);
  ASSERT_EQ(first.status, 202u) << first.body;
  const auto recipients = json::parse(first.body)["recipients"];
  ASSERT_FALSE(recipients.empty());
  EXPECT_EQ(post("police.met", arrested).status, 200u);  // a duplicate: not counted again
  EXPECT_EQ(post("cps.london", arrested).status, 422u);  // no agreement routes it from cps

  const auto r = admin("auditor", verb::get, "/v1/admin/flows");
  ASSERT_EQ(r.status, 200u) << r.body;
  const auto flows = json::parse(r.body);
  EXPECT_FALSE(flows["since"].get<std::string>().empty());
  bool met_listed = false;
  for (const auto& a : flows["agencies"]) met_listed |= a["id"] == "police.met";
  EXPECT_TRUE(met_listed);
  std::map<std::string, std::int64_t> shared_to;
  std::int64_t flow_entries = 0;
  for (const auto& f : flows["flows"]) {
    ++flow_entries;
    if (f["from"] == "police.met") shared_to[f["to"]] += f["shared"].get<std::int64_t>();
    if (f["shared"].get<std::int64_t>() > 0) {
      EXPECT_EQ(f["governance"], "active") << f.dump();
      bool names_event = false;
      for (const auto& e : f["events"]) names_event |= e == "suspect.arrested";
      EXPECT_TRUE(names_event) << f.dump();
    }
  }
  EXPECT_GT(flow_entries, 5);  // every route of the sample set, counted or not
  for (const auto& to : recipients) EXPECT_EQ(shared_to[to.get<std::string>()], 1) << to;
  std::int64_t total = 0;
  for (const auto& [to, n] : shared_to) total += n;
  EXPECT_EQ(total, static_cast<std::int64_t>(recipients.size()));
  bool cps_refused = false;
  for (const auto& u : flows["unmatched"]) {
    if (u["from"] == "cps.london") cps_refused = u["refused"].get<std::int64_t>() == 1;
  }
  EXPECT_TRUE(cps_refused) << flows["unmatched"].dump();

  const auto metrics = admin("admin", verb::get, "/metrics");
  ASSERT_EQ(metrics.status, 200u);
  for (const auto& to : recipients) {
    const std::string line = "accord_flow_copies_total{sender=\"police.met\",recipient=\"" +
                             to.get<std::string>() + "\",agreement=\"";
    const auto at = metrics.body.find(line);
    ASSERT_NE(at, std::string::npos) << line << "\n" << metrics.body;
    const auto end = metrics.body.find('\n', at);
    EXPECT_EQ(metrics.body.substr(end - 2, 2), " 1") << metrics.body.substr(at, end - at);
  }
  EXPECT_NE(metrics.body.find("accord_flow_refusals_total{sender=\"cps.london\",recipient=\"-\","
                              "agreement=\"-\"} 1"),
            std::string::npos)
      << metrics.body;
}

// Queue health per recipient through a mailbox's life: queued, leased, acked.
TEST_F(ConsoleApiTest, DeliveriesFollowTheQueues) {
  const auto arrested = read_source_file("tests/data/integration/suspect_arrested.json");
  ASSERT_EQ(post("police.met", arrested).status, 202u);
  auto row_of = [&](const std::string& recipient) {
    const auto r = admin("auditor", verb::get, "/v1/admin/deliveries");
    EXPECT_EQ(r.status, 200u) << r.body;
    const auto answer = json::parse(r.body);  // outlives the loop
    for (const auto& row : answer["recipients"]) {
      if (row["recipient"] == recipient) return row;
    }
    return json();
  };
  auto wcu = row_of("wcu.met");
  ASSERT_TRUE(wcu.is_object());
  EXPECT_EQ(wcu["adapter"], "mailbox");
  EXPECT_EQ(wcu["circuit"], "none");
  EXPECT_EQ(wcu["queued"], 1);
  EXPECT_EQ(wcu["leased"], 0);
  EXPECT_EQ(wcu["dead_letters"], 0);
  EXPECT_TRUE(wcu["oldest_queued_at"].is_string()) << wcu.dump();

  auto inbox = make_client("wcu.met", gateway_->port())
                   ->request(verb::get, "/v1/inbox?max=10&lease_seconds=300");
  ASSERT_TRUE(inbox.ok());
  ASSERT_EQ(inbox->status, 200u) << inbox->body;
  const auto messages = json::parse(inbox->body)["messages"];
  ASSERT_EQ(messages.size(), 1u);
  wcu = row_of("wcu.met");
  EXPECT_EQ(wcu["queued"], 0);
  EXPECT_EQ(wcu["leased"], 1);
  EXPECT_TRUE(wcu["oldest_queued_at"].is_string());

  const std::string id = messages[0]["delivery_id"];
  auto ack = make_client("wcu.met", gateway_->port())
                 ->request(verb::post, "/v1/inbox/" + id + "/ack", "", "application/json");
  ASSERT_TRUE(ack.ok());
  ASSERT_EQ(ack->status, 200u) << ack->body;
  // Nothing left for wcu.met and no adapter: no longer listed.
  EXPECT_TRUE(row_of("wcu.met").is_null());
  EXPECT_EQ(admin("police.met", verb::get, "/v1/admin/deliveries").status, 403u);
}

}  // namespace
}  // namespace accord::test
