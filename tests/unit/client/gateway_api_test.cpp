// The CLI's argument and output helpers, one row per case, negative rows included.
#include "accord/client/gateway_api.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace accord::client {
namespace {

TEST(ParseGateway, Table) {
  struct Row {
    std::string text;
    std::string host;  // empty = must be refused
    std::uint16_t port;
  };
  const std::vector<Row> rows = {
      {"127.0.0.1:8443", "127.0.0.1", 8443},
      {"gateway.example.org:443", "gateway.example.org", 443},
      {"localhost:1", "localhost", 1},
      {"[::1]:8443", "::1", 8443},
      {"host:65535", "host", 65535},
      {"host:65536", "", 0},
      {"host:0", "", 0},
      {"host:", "", 0},
      {"host", "", 0},
      {":8443", "", 0},
      {"", "", 0},
      {"host:84x3", "", 0},
      {"host:-1", "", 0},
      {"::1:8443", "", 0},
      {"[::1]8443", "", 0},
      {"[::1", "", 0},
      {"[]:8443", "", 0},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.text);
    auto r = parse_gateway(row.text);
    if (row.host.empty()) {
      ASSERT_FALSE(r.ok()) << r->host << ":" << r->port;
      EXPECT_EQ(r.error().code, "invalid_argument");
      EXPECT_NE(r.error().message.find("HOST:PORT"), std::string::npos);
      continue;
    }
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->host, row.host);
    EXPECT_EQ(r->port, row.port);
  }
}

TEST(ResolveCredentials, Table) {
  struct Row {
    std::string name;
    CredentialFlags flags;
    std::string cert, key, ca;  // expected; empty cert = refused with `error_fragment`
    std::string error_fragment;
  };
  const std::vector<Row> rows = {
      {"all explicit",
       {"c.pem", "c.key", "ca.pem", "", "certs/out"},
       "c.pem",
       "c.key",
       "ca.pem",
       ""},
      {"--as fills all",
       {"", "", "", "police.met", "certs/out"},
       "certs/out/agency-police.met.pem",
       "certs/out/agency-police.met.key",
       "certs/out/ca.pem",
       ""},
      {"explicit wins over --as",
       {"mine.pem", "", "/etc/ca.pem", "police.met", "/pki"},
       "mine.pem",
       "/pki/agency-police.met.key",
       "/etc/ca.pem",
       ""},
      {"nothing", {"", "", "", "", "certs/out"}, "", "", "", "pass --cert or --as AGENCY"},
      {"cert without key", {"c.pem", "", "ca.pem", "", "certs/out"}, "", "", "", "pass --key"},
      {"no CA", {"c.pem", "c.key", "", "", "certs/out"}, "", "", "", "pass --ca or --as"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    auto r = resolve_credentials(row.flags);
    if (row.cert.empty()) {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.error().code, "no_credentials");
      EXPECT_NE(r.error().message.find(row.error_fragment), std::string::npos) << r.error().message;
      continue;
    }
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->cert, row.cert);
    EXPECT_EQ(r->key, row.key);
    EXPECT_EQ(r->ca, row.ca);
  }
}

TEST(InboxTarget, Table) {
  struct Row {
    std::optional<int> max, lease;
    std::string want;  // empty = refused
  };
  const std::vector<Row> rows = {
      {std::nullopt, std::nullopt, "/v1/inbox"},
      {10, std::nullopt, "/v1/inbox?max=10"},
      {std::nullopt, 30, "/v1/inbox?lease_seconds=30"},
      {5, 60, "/v1/inbox?max=5&lease_seconds=60"},
      {0, std::nullopt, ""},
      {-3, 60, ""},
      {5, 0, ""},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.want);
    auto r = inbox_target(row.max, row.lease);
    if (row.want.empty()) {
      ASSERT_FALSE(r.ok()) << *r;
      EXPECT_EQ(r.error().code, "invalid_argument");
      continue;
    }
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, row.want);
  }
}

TEST(AckTarget, Table) {
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"123", "/v1/inbox/123/ack"},
      {"d-7f3a_b.c", "/v1/inbox/d-7f3a_b.c/ack"},
      {"", ""},
      {"..", ""},
      {".", ""},
      {"12/../../admin", ""},
      {"12?x=1", ""},
      {"12 3", ""},
      {"12%2F", ""},
      {std::string(129, '1'), ""},
  };
  for (const auto& [id, want] : rows) {
    SCOPED_TRACE(id);
    auto r = ack_target(id);
    if (want.empty()) {
      ASSERT_FALSE(r.ok()) << *r;
      EXPECT_EQ(r.error().code, "invalid_argument");
      continue;
    }
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(*r, want);
  }
}

TEST(ExitCodeForStatus, Table) {
  const std::vector<std::pair<unsigned, int>> rows = {
      {200, kExitOk},      {202, kExitOk},      {400, kExitRefused}, {403, kExitRefused},
      {404, kExitRefused}, {413, kExitRefused}, {499, kExitRefused}, {500, kExitFailed},
      {503, kExitFailed},  {301, kExitFailed},  {100, kExitFailed},  {0, kExitFailed},
  };
  for (const auto& [status, code] : rows) {
    EXPECT_EQ(exit_code_for_status(status), code) << status;
  }
}

TEST(ErrorLine, Table) {
  struct Row {
    unsigned status;
    std::string body;
    std::string want;
  };
  const std::vector<Row> rows = {
      {400, R"({"error":{"code":"invalid_envelope","message":"unknown key","path":"data.x"}})",
       "refused (400 invalid_envelope): unknown key [at data.x]"},
      {403, R"({"error":{"code":"denied","message":"no agreement","path":""}})",
       "refused (403 denied): no agreement"},
      {404, R"({"error":{"code":"not_found","message":"no such delivery"}})",
       "refused (404 not_found): no such delivery"},
      {503, R"({"error":{"code":"unavailable","message":"draining"}})",
       "failed (503 unavailable): draining"},
      {502, "<html>Bad Gateway</html>", "failed (502): <html>Bad Gateway</html>"},
      {400, "", "refused (400)"},
      {400, R"({"error":"flat"})", R"(refused (400): {"error":"flat"})"},
      {400, "line1\nline2\x1b[31m", "refused (400): line1?line2?[31m"},
      {400, R"({"error":{"code":"x\ny","message":"a\tb"}})", "refused (400 x?y): a?b"},
      {422,
       R"({"error":{"code":"not_permitted","message":"none","path":"type","details":[)"
       R"({"recipient":"provider.lvws","code":"not_permitted","reason":"consent missing"},)"
       R"({"recipient":"wcu.met","code":"encryption_unavailable","reason":"needs\nkeys"}]}})",
       "refused (422 not_permitted): none [at type]\n"
       "  - provider.lvws: not_permitted: consent missing\n"
       "  - wcu.met: encryption_unavailable: needs?keys"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.body);
    EXPECT_EQ(error_line(row.status, row.body), row.want);
  }
  // Long bodies are cut, so one line stays one line.
  const std::string line = error_line(500, std::string(5000, 'x'));
  EXPECT_LT(line.size(), 300u);
  EXPECT_EQ(line.substr(line.size() - 3), "...");
}

constexpr const char* kInbox = R"({"messages":[
  {"delivery_id":"12","sender":"police.met","message_id":"m-1","type":"victim.contact_updated",
   "case_urn":"urn:case:met:01AB","received_at":"2026-01-01T10:00:00Z","attempts":1,
   "lease_expires_at":"2026-01-01T10:01:00Z","envelope":{"id":"m-1"}},
  {"delivery_id":"1234","sender":"cps.london","message_id":"m-2","type":"case.charged",
   "case_urn":"urn:case:met:02","received_at":"2026-01-01T10:00:05Z","attempts":2,
   "lease_expires_at":"2026-01-01T10:01:05Z","envelope":{"id":"m-2"}}]})";

TEST(ParseInbox, ReadsEveryField) {
  auto r = parse_inbox(kInbox);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  const InboxMessage& m = (*r)[0];
  EXPECT_EQ(m.delivery_id, "12");
  EXPECT_EQ(m.sender, "police.met");
  EXPECT_EQ(m.message_id, "m-1");
  EXPECT_EQ(m.type, "victim.contact_updated");
  EXPECT_EQ(m.case_urn, "urn:case:met:01AB");
  EXPECT_EQ(m.received_at, "2026-01-01T10:00:00Z");
  EXPECT_EQ(m.attempts, 1);
  EXPECT_EQ(m.json.find('\n'), std::string::npos) << "one JSON line per message";
  EXPECT_NE(m.json.find(R"("envelope":{"id":"m-1"})"), std::string::npos) << m.json;
  EXPECT_EQ((*r)[1].attempts, 2);
}

TEST(ParseInbox, Table) {
  struct Row {
    std::string body;
    int count;  // -1 = refused with bad_response
  };
  const std::vector<Row> rows = {
      {R"({"messages":[]})", 0},
      {R"({"messages":[{"delivery_id":"1"}]})", 1},
      {R"({"messages":[{"delivery_id":7}]})", 1},  // numeric id is kept as text
      {R"({"messages":{}})", -1},
      {R"({"messages":[1]})", -1},
      {R"({"messages":[{"sender":"police.met"}]})", -1},
      {R"({"messages":[{"delivery_id":null}]})", -1},
      {R"({})", -1},
      {R"([])", -1},
      {"not json", -1},
      {"", -1},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.body);
    auto r = parse_inbox(row.body);
    if (row.count < 0) {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.error().code, "bad_response");
      continue;
    }
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(static_cast<int>(r->size()), row.count);
  }
}

TEST(FormatInboxTable, AlignsColumns) {
  auto r = parse_inbox(kInbox);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(format_inbox_table(*r),
            "DELIVERY  SENDER      TYPE                    CASE               RECEIVED\n"
            "12        police.met  victim.contact_updated  urn:case:met:01AB  "
            "2026-01-01T10:00:00Z\n"
            "1234      cps.london  case.charged            urn:case:met:02    "
            "2026-01-01T10:00:05Z\n");
}

TEST(FormatInboxTable, EmptyAndHostileCells) {
  EXPECT_EQ(format_inbox_table({}), "no messages\n");
  InboxMessage m;
  m.delivery_id = "1";
  m.sender = "evil\n\x1b[2J";
  const std::string table = format_inbox_table({m});
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 2) << table;
  EXPECT_EQ(table.find('\x1b'), std::string::npos);
}

TEST(FormatAck, Table) {
  const std::vector<std::pair<std::string, std::string>> rows = {
      {R"({"delivery_id":"12","status":"acked"})", "12 acked"},
      {R"({"delivery_id":"12","status":"already_acked"})", "12 already acked"},
      {R"({"delivery_id":"12","status":"pending"})", ""},
      {R"({"status":"acked"})", ""},
      {R"([])", ""},
      {"", ""},
  };
  for (const auto& [body, want] : rows) {
    SCOPED_TRACE(body);
    auto r = format_ack(body);
    if (want.empty()) {
      ASSERT_FALSE(r.ok()) << *r;
      EXPECT_EQ(r.error().code, "bad_response");
      continue;
    }
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(*r, want);
  }
}

TEST(AckBatchBody, ListsTheIdsInOrder) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> rows = {
      {{"12"}, R"({"delivery_ids":["12"]})"},
      {{"3", "1", "2"}, R"({"delivery_ids":["3","1","2"]})"},
      {{"a\"b"}, R"({"delivery_ids":["a\"b"]})"},  // escaped, never spliced
      {{}, R"({"delivery_ids":[]})"},
  };
  for (const auto& [ids, want] : rows) EXPECT_EQ(ack_batch_body(ids), want);
}

TEST(ParseAckBatch, Table) {
  struct Row {
    std::string body;
    std::vector<std::string> want;  // "id status" per result; empty with ok=false: refused
    bool ok;
  };
  const std::vector<Row> rows = {
      {R"({"results":[{"delivery_id":"1","status":"acked"},)"
       R"({"delivery_id":"2","status":"already_acked"},{"delivery_id":"3","status":"not_found"}]})",
       {"1 acked", "2 already_acked", "3 not_found"},
       true},
      {R"({"results":[]})", {}, true},
      // A copy whose receipt the gateway refused (docs/receipts.md): its code comes along.
      {R"({"results":[{"delivery_id":"4","status":"refused","code":"receipt_hash_mismatch",)"
       R"("message":"m"}]})",
       {"4 refused receipt_hash_mismatch"},
       true},
      {R"({"results":[{"delivery_id":"4","status":"refused"}]})", {}, false},
      {R"({"results":[{"delivery_id":"1","status":"pending"}]})", {}, false},
      {R"({"results":[{"status":"acked"}]})", {}, false},
      {R"({"results":["1"]})", {}, false},
      {R"({"results":{}})", {}, false},
      {R"({"error":{"code":"empty_batch"}})", {}, false},
      {"not json", {}, false},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.body);
    auto r = parse_ack_batch(row.body);
    ASSERT_EQ(r.ok(), row.ok);
    if (!row.ok) {
      EXPECT_EQ(r.error().code, "bad_response");
      continue;
    }
    std::vector<std::string> got;
    for (const auto& a : *r) {
      got.push_back(a.delivery_id + " " + a.status + (a.code.empty() ? "" : " " + a.code));
    }
    EXPECT_EQ(got, row.want);
  }
}

}  // namespace
}  // namespace accord::client
