// POST /v1/messages:batch end to end over real mTLS (docs/api.yaml, "Batches"): each item is
// exactly a single submit. Two gateways on the same clock and the same key files, one fed
// single submits and one fed the same bytes in batches, must give byte-identical answers and
// the same audit records; the whole-batch refusals, the per-route body limit and the rate
// limiter per item.
#include "accord/client/batch_submit.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "accord/env/fake_env.hpp"
#include "harness.hpp"

namespace accord::test {
namespace {

using boost::beast::http::verb;
using nlohmann::json;

// Read on first use: ACCORD_SOURCE_DIR is not set while ctest lists the tests.
const std::string& arrested() {
  static const std::string text = read_source_file("tests/data/integration/suspect_arrested.json");
  return text;
}

std::string envelope(const std::string& id) {
  return with_id(arrested(), id);
}

// Valid JSON, refused by the vocabulary: 422 unknown_event_type.
std::string unknown_type(const std::string& id) {
  auto e = json::parse(arrested());
  e["id"] = id;
  e["type"] = "no.such_event";
  return e.dump();
}

// The same id as envelope(id) with other content: 409 id_conflict once envelope(id) is in.
std::string conflicting(const std::string& id) {
  auto e = json::parse(arrested());
  e["id"] = id;
  e["data"]["needs"]["safety"] = "low";
  return e.dump();
}

struct Answer {
  unsigned status = 0;
  std::string body;
};

class BatchSubmitTest : public ::testing::Test {
 protected:
  std::unique_ptr<InProcessGateway> start(const TempDir& dir, const std::string& extra = {}) {
    return std::make_unique<InProcessGateway>(write_config(dir, extra), &env_);
  }

  static client::HttpResult post(std::uint16_t port, const std::string& target,
                                 const std::string& body,
                                 const std::string& content_type = "application/json") {
    auto c = make_client("police.met", port);
    auto r = c->request(verb::post, target, body, content_type);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : client::HttpResult{};
  }

  // Each batch result as {status, the single answer's body}: index and http_status cut off
  // the front, the rest kept byte for byte.
  static std::vector<Answer> split_results(const std::string& body) {
    std::vector<Answer> out;
    const auto parsed = json::parse(body);
    for (const auto& r : parsed.at("results")) {
      EXPECT_EQ(r.at("index").get<std::size_t>(), out.size());
      out.push_back({r.at("http_status").get<unsigned>(), {}});
    }
    // The raw text: {"results":[{"index":0,"http_status":202,<members>},...]}
    std::size_t at = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
      const std::string head =
          "{\"index\":" + std::to_string(i) + ",\"http_status\":" + std::to_string(out[i].status);
      at = body.find(head, at);
      EXPECT_NE(at, std::string::npos) << head;
      if (at == std::string::npos) return out;
      at += head.size();
      std::size_t end = at;
      int depth = 1;
      bool in_string = false;
      for (; end < body.size() && depth > 0; ++end) {
        const char c = body[end];
        if (in_string) {
          if (c == '\\')
            ++end;
          else if (c == '"')
            in_string = false;
        } else if (c == '"') {
          in_string = true;
        } else if (c == '{' || c == '[') {
          ++depth;
        } else if (c == '}' || c == ']') {
          --depth;
        }
      }
      std::string members = body.substr(at, end - at);  // ",<members>}" or "}"
      out[i].body = "{" + (members.starts_with(",") ? members.substr(1) : members);
      at = end;
    }
    return out;
  }

  // The audit records about `ids`, without their seq (the gateways' own records before them
  // may differ in number), sorted.
  static std::vector<std::string> audit_records(std::uint16_t admin_port,
                                                const std::vector<std::string>& ids) {
    auto c = make_client("auditor", admin_port);
    auto r = c->request(verb::get, "/v1/admin/audit/records?sender=police.met");
    EXPECT_TRUE(r.ok());
    if (!r.ok()) return {};
    EXPECT_EQ(r->status, 200u) << r->body;
    std::vector<std::string> out;
    std::istringstream lines(r->body);
    for (std::string line; std::getline(lines, line);) {
      if (line.empty()) continue;
      auto record = json::parse(line);
      const auto id = record.value("message_id", std::string());
      if (std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
      record.erase("seq");
      out.push_back(record.dump());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // Shared by the gateways of a test and never moved: the same received_at and audit times
  // on both, and a rate bucket that never refills. Starts at the real time, where the sample
  // agreements are in force.
  env::FakeEnv env_{env::system_env().now_ms()};
};

TEST_F(BatchSubmitTest, EachItemIsExactlyASingleSubmitAnswersAndAudit) {
  TempDir single_dir, batch_dir;
  auto single = start(single_dir);
  // The same gateway key and pseudonym secret: the copies, their hashes and the subjects'
  // pseudonyms in the audit records are then the same bytes.
  // The first start created both files.
  for (const char* file : {"gateway-signing.key", "pseudonym.key"}) {
    std::filesystem::copy_file(single_dir.file(file), batch_dir.file(file));
  }
  auto batch = start(batch_dir);

  // Round 1 makes b-1 and b-2 known; round 2 has a duplicate, an unknown type, an id
  // conflict, a body that is not JSON inside its braces, and a fresh one.
  const std::vector<std::vector<std::string>> rounds = {
      {envelope("b-1"), envelope("b-2")},
      {envelope("b-1"), unknown_type("b-3"), conflicting("b-2"), R"({"id":"b-4","type":nope})",
       envelope("b-5")},
  };
  const std::vector<unsigned> expected_status = {202, 202, 200, 422, 409, 400, 202};
  std::vector<Answer> singles, items;
  for (const auto& round : rounds) {
    for (const auto& e : round) {
      const auto r = post(single->port(), "/v1/messages", e);
      singles.push_back({r.status, r.body});
    }
    const auto r = post(batch->port(), "/v1/messages:batch", client::batch_body(round));
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_TRUE(json::parse(r.body).is_object());
    for (auto& a : split_results(r.body)) items.push_back(std::move(a));
  }
  ASSERT_EQ(items.size(), singles.size());
  for (std::size_t i = 0; i < singles.size(); ++i) {
    EXPECT_EQ(singles[i].status, expected_status[i]) << i << ": " << singles[i].body;
    EXPECT_EQ(items[i].status, singles[i].status) << i;
    EXPECT_EQ(items[i].body, singles[i].body) << i;
  }

  const std::vector<std::string> ids = {"b-1", "b-2", "b-3", "b-4", "b-5"};
  const auto single_records = audit_records(single->admin_port(), ids);
  const auto batch_records = audit_records(batch->admin_port(), ids);
  EXPECT_GE(single_records.size(), 6u);  // at least a decision per accepted or refused item
  EXPECT_EQ(batch_records, single_records);
}

TEST_F(BatchSubmitTest, TheClientParsesOneResultPerItem) {
  TempDir dir;
  auto gateway = start(dir);
  auto c = make_client("police.met", gateway->port());
  auto answer = client::submit_batch(*c, {envelope("c-1"), unknown_type("c-2"), envelope("c-1")});
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  ASSERT_EQ(answer->refused.status, 0u) << answer->refused.body;
  ASSERT_EQ(answer->results.size(), 3u);
  EXPECT_EQ(answer->results[0].http_status, 202u);
  EXPECT_EQ(answer->results[0].id, "c-1");
  EXPECT_EQ(answer->results[1].http_status, 422u);
  EXPECT_EQ(answer->results[1].code, "unknown_event_type");
  // Started after the first, in array order: the same id and bytes again.
  EXPECT_EQ(answer->results[2].http_status, 200u) << answer->results[2].json;
  EXPECT_TRUE(answer->results[2].duplicate);
}

struct WholeRefusal {
  std::string name;
  std::string body;
  std::string content_type;
  unsigned status;
  std::string code;
  std::string path;
};

TEST_F(BatchSubmitTest, WholeBatchRefusalsAndBodyLimits) {
  TempDir dir;
  // An envelope is ~600 bytes: two fit a batch, one padded past 1200 bytes does not fit a
  // single submit, and a 5000-byte body fits the batch route only.
  auto gateway = start(dir,
                       "limits: {max_body_bytes: 1200, max_batch_body_bytes: 6000, "
                       "max_batch_items: 3}\n");
  const std::string padded = [] {
    std::string e = envelope("p-1");
    e.insert(e.size() - 1, std::string(1000, ' '));  // whitespace inside the object
    return e;
  }();
  const std::vector<WholeRefusal> rows = {
      {"not_json_media", client::batch_body({envelope("w-1")}), "text/plain", 415,
       "unsupported_media_type", "content-type"},
      {"not_an_object", "[]", "application/json", 400, "invalid_batch", ""},
      {"empty", R"({"messages":[]})", "application/json", 400, "invalid_batch", "messages"},
      {"element_not_object", "{\"messages\":[" + envelope("w-2") + ",7]}", "application/json", 400,
       "invalid_batch", "messages[1]"},
      {"over_item_limit",
       client::batch_body({envelope("w-3"), envelope("w-4"), envelope("w-5"), envelope("w-6")}),
       "application/json", 413, "batch_too_large", "messages"},
      {"over_byte_limit",
       client::batch_body({envelope("w-7"), padded, padded, padded, padded, padded}),
       "application/json", 413, "batch_too_large", "?"},  // the server's own answer: no path
  };
  for (const auto& row : rows) {
    const auto r = post(gateway->port(), "/v1/messages:batch", row.body, row.content_type);
    EXPECT_EQ(r.status, row.status) << row.name << ": " << r.body;
    const auto body = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << row.name << ": " << r.body;
    EXPECT_EQ(body["error"]["code"], row.code) << row.name;
    EXPECT_EQ(body["error"].value("path", std::string("?")), row.path) << row.name;
  }
  // Nothing of a refused batch was submitted: w-1 .. w-7 are all new now.
  const auto fresh = post(gateway->port(), "/v1/messages", envelope("w-3"));
  EXPECT_EQ(fresh.status, 202u) << fresh.body;

  // The batch route's larger limit is its own: the same 5000 bytes to /v1/messages are 413
  // too_large, refused from the header.
  const std::string big = "{\"id\":\"" + std::string(5000, 'x') + "\"}";
  const auto single = post(gateway->port(), "/v1/messages", big);
  EXPECT_EQ(single.status, 413u);
  EXPECT_EQ(json::parse(single.body)["error"]["code"], "too_large");

  // An item over max_body_bytes inside a batch under its limit is that item's 413.
  const auto mixed =
      post(gateway->port(), "/v1/messages:batch", client::batch_body({envelope("m-1"), padded}));
  ASSERT_EQ(mixed.status, 200u) << mixed.body;
  const auto results = json::parse(mixed.body)["results"];
  EXPECT_EQ(results[0]["http_status"], 202);
  EXPECT_EQ(results[1]["http_status"], 413);
  EXPECT_EQ(results[1]["error"]["code"], "too_large");

  // Other methods and certificates.
  auto c = make_client("police.met", gateway->port());
  auto get = c->request(verb::get, "/v1/messages:batch");
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->status, 405u);
  auto admin = make_client("admin", gateway->port());
  auto forbidden =
      admin->request(verb::post, "/v1/messages:batch", client::batch_body({envelope("f-1")}));
  ASSERT_TRUE(forbidden.ok());
  EXPECT_EQ(forbidden->status, 403u);
}

TEST_F(BatchSubmitTest, EachItemTakesOneRateToken) {
  TempDir dir;
  // The clock stands still, so the bucket of 2 never refills.
  auto gateway = start(dir, "limits: {rate_per_agency: 1, rate_burst: 2}\n");
  const auto r = post(gateway->port(), "/v1/messages:batch",
                      client::batch_body({envelope("r-1"), envelope("r-2"), envelope("r-3")}));
  ASSERT_EQ(r.status, 200u) << r.body;
  const auto results = json::parse(r.body)["results"];
  EXPECT_EQ(results[0]["http_status"], 202);
  EXPECT_EQ(results[1]["http_status"], 202);
  EXPECT_EQ(results[2]["http_status"], 429);
  EXPECT_EQ(results[2]["error"]["code"], "rate_limited");
  // The single submit shares the bucket.
  const auto single = post(gateway->port(), "/v1/messages", envelope("r-4"));
  EXPECT_EQ(single.status, 429u);
}

// The endpoint driven from docs/api.yaml alone, by Python `requests` (tests/interop).
TEST_F(BatchSubmitTest, PythonClientFromTheDocAlone) {
  TempDir dir;
  auto gateway = start(dir);
  const auto& pki = Pki::get();
  const auto r =
      run_command("/usr/bin/python3 " + source_dir() + "/tests/interop/batch_submit.py 127.0.0.1:" +
                  std::to_string(gateway->port()) + " " + pki.file("ca.pem") + " " +
                  pki.agency_cert("police.met") + " " + pki.agency_key("police.met") + " " +
                  source_dir() + "/tests/data/integration/suspect_arrested.json");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("batch_submit.py: ok"), std::string::npos) << r.output;
}

// `accord import`: a mixed file, the per-line report, the exit code; then the good lines
// again, now duplicates, exit 0.
TEST_F(BatchSubmitTest, ImportReportsEveryLine) {
  TempDir dir;
  auto gateway = start(dir);
  const auto& pki = Pki::get();
  const std::string cli = binary_dir() + "/tools/accord/accord import --gateway 127.0.0.1:" +
                          std::to_string(gateway->port()) + " --ca " + pki.file("ca.pem") +
                          " --cert " + pki.agency_cert("police.met") + " --key " +
                          pki.agency_key("police.met") + " --batch 2 --window 2 ";
  const std::string good_1 = envelope("i-1"), good_4 = envelope("i-4");
  {
    std::ofstream out(dir.file("mixed.jsonl"), std::ios::binary);
    out << good_1 << "\n"               // line 1: 202
        << "\n"                         // line 2: blank, skipped
        << unknown_type("i-2") << "\n"  // line 3: 422 unknown_event_type
        << R"({"id":"i-3",)"
        << "\n"               // line 4: not an object, sent alone: 400
        << good_1 << "\n"     // line 5: the same bytes as line 1: 200
        << "[1,2]\n"          // line 6: sent alone: 422 not_an_object
        << good_4 << "\r\n";  // line 7: CRLF; the \r is not part of it: 202
    std::ofstream again(dir.file("good.jsonl"), std::ios::binary);
    again << good_1 << "\n" << good_4 << "\n";
  }
  const auto run = [&](const std::string& file) {
    return run_command("{ " + cli + dir.file(file) + " > " + dir.file(file + ".report") + " 2> " +
                       dir.file(file + ".err") + "; }");
  };
  const auto mixed = run("mixed.jsonl");
  EXPECT_EQ(mixed.status, 2) << read_text(dir.file("mixed.jsonl.err"));
  std::map<std::uint64_t, json> by_line;
  std::istringstream report(read_text(dir.file("mixed.jsonl.report")));
  for (std::string line; std::getline(report, line);) {
    const auto entry = json::parse(line);
    by_line[entry.at("line").get<std::uint64_t>()] = entry;
  }
  // Lines 1 and 5 are the same bytes; with two batches in flight either may be first: one
  // is accepted, the other its duplicate.
  const std::map<std::uint64_t, std::pair<unsigned, std::string>> expected = {
      {3, {422, "unknown_event_type"}},
      {4, {400, "invalid_json"}},
      {6, {422, "not_an_object"}},
      {7, {202, ""}},
  };
  ASSERT_EQ(by_line.size(), expected.size() + 2) << read_text(dir.file("mixed.jsonl.report"));
  for (const auto& [line, want] : expected) {
    ASSERT_TRUE(by_line.contains(line)) << line;
    EXPECT_EQ(by_line[line]["http_status"], want.first) << line;
    EXPECT_EQ(by_line[line]["code"], want.second) << line;
  }
  ASSERT_TRUE(by_line.contains(1) && by_line.contains(5));
  const std::set<unsigned> same_bytes = {by_line[1]["http_status"].get<unsigned>(),
                                         by_line[5]["http_status"].get<unsigned>()};
  EXPECT_EQ(same_bytes, (std::set<unsigned>{200, 202}));
  EXPECT_EQ(by_line[5]["id"], "i-1");
  EXPECT_EQ(by_line[1]["id"], "i-1");
  EXPECT_EQ(by_line[3]["id"], "i-2");
  EXPECT_EQ(by_line[7]["id"], "i-4");
  EXPECT_NE(read_text(dir.file("mixed.jsonl.err")).find("refused 3"), std::string::npos)
      << read_text(dir.file("mixed.jsonl.err"));

  const auto good = run("good.jsonl");
  EXPECT_EQ(good.status, 0) << read_text(dir.file("good.jsonl.err"));
  const auto good_report = read_text(dir.file("good.jsonl.report"));
  EXPECT_EQ(std::count(good_report.begin(), good_report.end(), '\n'), 2) << good_report;
  EXPECT_EQ(good_report.find("\"http_status\":202"), std::string::npos) << good_report;

  const auto missing = run_command(cli + dir.file("no-such.jsonl"));
  EXPECT_EQ(missing.status, 1) << missing.output;
}

}  // namespace
}  // namespace accord::test
