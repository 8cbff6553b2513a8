// The one error table (accord/core/error_codes.hpp): the answers routes give for every code
// in it, for a code not in it, and the two rules by route; and docs/errors.md, which must
// list the same rows with the same values (parsed here), as must the HTTP column of
// docs/envelope.md's refusal table.
#include "accord/core/error_codes.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "accord/api/admin_handler.hpp"

namespace accord::api {
namespace {

using nlohmann::json;
namespace http = server::http;

// ---- the values that matter most, pinned ------------------------------------------------

struct Pinned {
  std::string code;
  unsigned status;  // what a route answers (http_status_for)
  int retry_after;
  bool retryable;
};

TEST(ErrorCodeTable, PinnedRows) {
  const std::vector<Pinned> rows = {
      {"storage_unavailable", 503, 5, true},
      {"overloaded", 503, 1, true},
      {"shutting_down", 503, 5, true},
      {"rate_limited", 429, kRetryAfterComputed, true},
      {"not_permitted", 422, kNoRetryAfter, false},
      {"id_conflict", 409, kNoRetryAfter, false},
      {"duplicate_key", 422, kNoRetryAfter, false},
      {"too_large", 413, kNoRetryAfter, false},
      {"invalid_json", 400, kNoRetryAfter, false},
      {"not_found", 404, kNoRetryAfter, false},
      {"internal", 500, kNoRetryAfter, false},
      {"corrupt", 500, kNoRetryAfter, false},
      {"audit_unavailable", 503, kNoRetryAfter, false},
      // Adapter-only rows are never an HTTP answer: a route that met one would answer 500.
      {"inbound_disabled", 500, kNoRetryAfter, false},
      {"wrong_cell_count", 500, kNoRetryAfter, false},
      // Not in the table: the documented default.
      {"something_else", 500, kNoRetryAfter, false},
      {"", 500, kNoRetryAfter, false},
      {"invalid_argument", 500, kNoRetryAfter, false},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(http_status_for(row.code), row.status) << row.code;
    EXPECT_EQ(error_code_info(row.code).retry_after_seconds, row.retry_after) << row.code;
    EXPECT_EQ(is_retryable(row.code), row.retryable) << row.code;
  }
  EXPECT_EQ(find_error_code("something_else"), nullptr);
  EXPECT_EQ(error_code_info("something_else"), kUnknownErrorCode);
}

TEST(ErrorCodeTable, OnlyTransientCodesAreRetryableAndOnlyThoseCarryRetryAfter) {
  for (const auto& row : kErrorCodes) {
    const bool transient = row.http_status == 503 || row.http_status == 429;
    EXPECT_EQ(row.retryable, transient && row.retry_after_seconds != kNoRetryAfter) << row.code;
    if (row.retry_after_seconds != kNoRetryAfter) {
      EXPECT_TRUE(transient) << row.code;
    }
  }
}

// ---- every row through real routes --------------------------------------------------------

class RouteAnswers : public ::testing::Test {
 protected:
  // The dead-letter listing and the forced checkpoint, their spool hooks failing with `code`.
  AdminHooks failing_with(const std::string& code) {
    AdminHooks h;
    h.reload = [code]() -> Result<ReloadReport> { return make_error(code, "test refusal"); };
    h.describe_agreements = [] { return std::string("{}"); };
    h.audit_db_path = "/nonexistent-accord-test-dir/spool.db";
    h.audit_checkpoint = [code](std::function<void(Status)> done) {
      done(make_error(code, "test refusal"));
    };
    h.list_dead_letters = [code](std::string, std::size_t,
                                 std::function<void(Result<std::vector<spool::DeadLetter>>)> done) {
      done(make_error(code, "test refusal"));
    };
    h.redrive = [code](spool::RedriveRequest, std::function<void(Result<std::int64_t>)> done) {
      done(make_error(code, "test refusal"));
    };
    return h;
  }

  server::HttpResponse call(const std::string& code, http::verb method, std::string target,
                            server::PeerRole role) {
    AdminHandler handler(failing_with(code), metrics_);
    server::Request request;
    request.http = server::HttpRequest{method, target, 11};
    if (method == http::verb::post) {
      request.http.set(http::field::content_type, "application/json");
      request.http.body() = "{}";
      request.http.prepare_payload();
    }
    request.peer.role = role;
    request.peer.id = "tester";
    std::optional<server::HttpResponse> answer;
    handler.handle(std::move(request), [&](server::HttpResponse r) { answer = std::move(r); });
    EXPECT_TRUE(answer.has_value()) << target;
    return answer ? *answer : server::HttpResponse{};
  }

  // Status, Retry-After and the code in the body, as the table says for `code`.
  void expect_table_answer(const server::HttpResponse& r, const std::string& code,
                           const std::string& route) {
    const auto& info = error_code_info(code);
    const unsigned status = info.http_status != 0 ? info.http_status : 500;
    EXPECT_EQ(r.result_int(), status) << route << " " << code;
    const std::string retry_after(r[http::field::retry_after]);
    if (info.retry_after_seconds > 0) {
      EXPECT_EQ(retry_after, std::to_string(info.retry_after_seconds)) << route << " " << code;
    } else {
      EXPECT_EQ(retry_after, "") << route << " " << code;
    }
    const auto body = json::parse(r.body(), nullptr, false);
    ASSERT_TRUE(body.is_object()) << r.body();
    EXPECT_EQ(body["error"]["code"], code) << route;
  }

  std::vector<std::string> every_code_and_unknown() {
    std::vector<std::string> codes;
    for (const auto& row : kErrorCodes) {
      // rate_limited's Retry-After is the limiter's wait: the agency API computes it.
      if (row.retry_after_seconds != kRetryAfterComputed) codes.emplace_back(row.code);
    }
    codes.emplace_back("not_in_the_table");
    return codes;
  }

  server::Metrics metrics_;
};

TEST_F(RouteAnswers, DeadLetterListingAnswersEveryCodeAsTheTableSays) {
  for (const auto& code : every_code_and_unknown()) {
    expect_table_answer(call(code, http::verb::get, "/v1/admin/dlq", server::PeerRole::admin), code,
                        "GET /v1/admin/dlq");
  }
}

TEST_F(RouteAnswers, DeadLetterRedriveAnswersEveryCodeAsTheTableSays) {
  for (const auto& code : every_code_and_unknown()) {
    expect_table_answer(
        call(code, http::verb::post, "/v1/admin/dlq/retry", server::PeerRole::admin), code,
        "POST /v1/admin/dlq/retry");
  }
}

TEST_F(RouteAnswers, ForcedCheckpointAnswersEveryCodeAsTheTableSays) {
  for (const auto& code : every_code_and_unknown()) {
    expect_table_answer(
        call(code, http::verb::post, "/v1/admin/audit/checkpoint", server::PeerRole::auditor), code,
        "POST /v1/admin/audit/checkpoint");
  }
}

// Rule by route: a refused reload is 422 whatever the loader's code, without Retry-After.
TEST_F(RouteAnswers, RefusedReloadIs422WhateverTheCode) {
  for (const std::string code : {"invalid_agreements", "tls_config", "storage_unavailable",
                                 "duplicate_key", "not_in_the_table"}) {
    const auto r =
        call(code, http::verb::post, "/v1/admin/agreements/reload", server::PeerRole::admin);
    EXPECT_EQ(r.result_int(), kReloadRefusedStatus) << code;
    EXPECT_EQ(std::string(r[http::field::retry_after]), "") << code;
    EXPECT_EQ(json::parse(r.body())["error"]["code"], code);
  }
}

// ---- docs/errors.md and docs/envelope.md say the same ----------------------------------

std::string read_doc(const std::string& relative) {
  const char* root = std::getenv("ACCORD_SOURCE_DIR");
  if (root == nullptr) {
    ADD_FAILURE() << "ACCORD_SOURCE_DIR is not set (run the tests through ctest)";
    return {};
  }
  std::ifstream in(std::string(root) + "/" + relative);
  EXPECT_TRUE(in.good()) << relative;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> cells_of(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream in(line.substr(1));  // after the leading '|'
  std::string cell;
  while (std::getline(in, cell, '|')) {
    const auto first = cell.find_first_not_of(' ');
    const auto last = cell.find_last_not_of(' ');
    cells.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
  }
  return cells;
}

struct DocRow {
  unsigned status;
  int retry_after;
  bool retryable;
  std::string documented_in;
};

// The rows of docs/errors.md's table: | `code` | HTTP | Retry-After | retryable | answered by
// | documented in |. "—" is none (HTTP: never an HTTP answer); Retry-After "computed" is the
// rate limiter's wait. The default row's first cell is "*any other code*".
std::map<std::string, DocRow> doc_table(std::optional<DocRow>& default_row) {
  std::map<std::string, DocRow> rows;
  std::stringstream in(read_doc("docs/errors.md"));
  const std::regex code_cell("^`([a-z0-9_]+)`$");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("| ", 0) != 0) continue;
    const auto cells = cells_of(line);
    if (cells.size() != 6) continue;
    std::smatch m;
    const bool is_code = std::regex_match(cells[0], m, code_cell);
    if (!is_code && cells[0] != "*any other code*") continue;
    DocRow row;
    row.status = cells[1] == "—" ? 0u : static_cast<unsigned>(std::stoul(cells[1]));
    row.retry_after = cells[2] == "—"          ? kNoRetryAfter
                      : cells[2] == "computed" ? kRetryAfterComputed
                                               : std::stoi(cells[2]);
    EXPECT_TRUE(cells[3] == "yes" || cells[3] == "no") << line;
    row.retryable = cells[3] == "yes";
    row.documented_in = cells[5];
    if (is_code) {
      EXPECT_TRUE(rows.emplace(m[1].str(), row).second) << "listed twice: " << m[1];
    } else {
      default_row = row;
    }
  }
  return rows;
}

TEST(ErrorCodeDocs, ErrorsPageListsExactlyTheTable) {
  std::optional<DocRow> default_row;
  const auto documented = doc_table(default_row);
  ASSERT_FALSE(documented.empty()) << "no table rows parsed from docs/errors.md";
  for (const auto& row : kErrorCodes) {
    const auto it = documented.find(std::string(row.code));
    if (it == documented.end()) {
      ADD_FAILURE() << "docs/errors.md does not list " << row.code;
      continue;
    }
    EXPECT_EQ(it->second.status, row.http_status) << row.code;
    EXPECT_EQ(it->second.retry_after, row.retry_after_seconds) << row.code;
    EXPECT_EQ(it->second.retryable, row.retryable) << row.code;
    EXPECT_EQ(it->second.documented_in, row.documented_in) << row.code;
  }
  for (const auto& [code, row] : documented) {
    EXPECT_NE(find_error_code(code), nullptr)
        << "docs/errors.md lists " << code << ", which the table does not have";
  }
  ASSERT_TRUE(default_row.has_value()) << "docs/errors.md has no '*any other code*' row";
  EXPECT_EQ(default_row->status, kUnknownErrorCode.http_status);
  EXPECT_EQ(default_row->retry_after, kUnknownErrorCode.retry_after_seconds);
  EXPECT_EQ(default_row->retryable, kUnknownErrorCode.retryable);
}

// Each row names the doc that describes the code: that doc must name it.
TEST(ErrorCodeDocs, EveryCodeIsNamedWhereTheTableSaysItIsDocumented) {
  std::map<std::string, std::string> docs;
  for (const auto& row : kErrorCodes) {
    const std::string path(row.documented_in);
    if (!docs.contains(path)) docs[path] = read_doc(path);
    const std::regex word("(^|[^a-z0-9_])" + std::string(row.code) + "([^a-z0-9_]|$)");
    EXPECT_TRUE(std::regex_search(docs[path], word))
        << row.code << " is not named in " << row.documented_in;
  }
}

// docs/envelope.md's refusal table (| `code` | meaning | HTTP |) agrees with the table.
TEST(ErrorCodeDocs, EnvelopeRefusalTableAgrees) {
  std::stringstream in(read_doc("docs/envelope.md"));
  const std::regex row_re(R"(^\| `([a-z0-9_]+)` \| [^|]+ \| ([0-9]{3}) \|$)");
  std::string line;
  int rows = 0;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_match(line, m, row_re)) continue;
    ++rows;
    ASSERT_NE(find_error_code(m[1].str()), nullptr) << m[1];
    EXPECT_EQ(http_status_for(m[1].str()), std::stoul(m[2].str())) << m[1];
  }
  EXPECT_EQ(rows, 12) << "docs/envelope.md §4 lists the decoder's twelve codes";
}

}  // namespace
}  // namespace accord::api
