#include "inbox_routes.hpp"

#include <strings.h>

#include <charconv>
#include <limits>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "accord/api/json_body.hpp"
#include "decimal.hpp"
#include "receipt_ack.hpp"
#include "responses.hpp"

namespace accord::api {
namespace http = server::http;
using nlohmann::json;

namespace {

constexpr std::string_view kIdsKey = "delivery_ids";
constexpr std::string_view kReceiptsKey = "receipts";
constexpr std::string_view kReceiptKey = "receipt";

bool is_json_media(std::string_view content_type) {
  auto media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  return media.size() == 16 && strncasecmp(media.data(), "application/json", 16) == 0;
}

// A delivery id as the inbox hands it out ("17") or as a JSON integer; 0 and negatives are
// no id. nullopt for anything else.
std::optional<std::int64_t> delivery_id_of(const json& value) {
  if (value.is_number_unsigned()) {
    const auto n = value.get<std::uint64_t>();
    if (n == 0 || n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(n);
  }
  if (!value.is_string()) return std::nullopt;  // negative, fractional, bool, null, ...
  const auto& text = value.get_ref<const std::string&>();
  const auto n = parse_count(text, kIdDigits);
  if (!n || *n == 0) return std::nullopt;
  return n;
}

AckBatchIds refuse(std::string code, std::string message, std::string path) {
  const unsigned status = http_status_for(code);
  return {{},
          AckBatchError{status, make_error(std::move(code), std::move(message), std::move(path))}};
}

// Joins the spool's completions: each writes its own slot; the last one answers.
struct Join {
  Join(std::vector<std::int64_t> ids, server::Respond respond)
      : ids(std::move(ids)), outcomes(this->ids.size()), respond(std::move(respond)) {}

  void complete(std::size_t index, const Result<CopyAck>& result) {
    std::unique_lock lock(mu);
    if (!result.ok()) {
      if (!failure) failure = result.error();
    } else {
      outcomes[index] = result.value();
    }
    if (--remaining != 0) return;
    lock.unlock();  // every handler has run: nothing else touches this object
    respond(failure ? refusal(*failure) : make_response(200, body()));
  }

  std::string body() const {
    json results = json::array();
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const CopyAck& outcome = outcomes[i];
      json item = {{"delivery_id", std::to_string(ids[i])}};
      switch (outcome.kind) {
        case CopyAck::Kind::acked:
          item["status"] = "acked";
          break;
        case CopyAck::Kind::already_acked:
          item["status"] = "already_acked";
          break;
        case CopyAck::Kind::not_found:
          item["status"] = "not_found";
          break;
        case CopyAck::Kind::refused:
          item["status"] = "refused";
          item["code"] = outcome.refusal.code;
          item["message"] = outcome.refusal.message;
          break;
      }
      results.push_back(std::move(item));
    }
    return json{{"results", std::move(results)}}.dump(-1, ' ', false,
                                                      json::error_handler_t::replace);
  }

  std::mutex mu;
  const std::vector<std::int64_t> ids;
  std::vector<CopyAck> outcomes;
  std::size_t remaining = ids.size();
  std::optional<Error> failure;
  server::Respond respond;
};

}  // namespace

AckBatchIds parse_ack_batch(std::string_view body, std::size_t max_ids) {
  auto read = parse_json_body(body);  // invalid_json, duplicate_key
  if (!read.ok()) return {{}, AckBatchError{kRequestBodyRefusedStatus, read.error()}};
  const json& parsed = read.value();
  if (!parsed.is_object()) {
    return refuse("invalid_request", "the body must be an object {\"delivery_ids\": [...]}", "");
  }
  for (const auto& [key, value] : parsed.items()) {
    if (key != kIdsKey && key != kReceiptsKey) {
      return refuse("invalid_request", "unknown key '" + key + "'; only delivery_ids and receipts",
                    key);
    }
  }
  const auto it = parsed.find(kIdsKey);
  if (it == parsed.end() || !it->is_array()) {
    return refuse("invalid_request", "delivery_ids must be an array of delivery ids",
                  std::string(kIdsKey));
  }
  if (it->empty()) {
    return refuse("empty_batch",
                  "delivery_ids is empty; send 1.." + std::to_string(max_ids) + " ids",
                  std::string(kIdsKey));
  }
  if (it->size() > max_ids) {
    return refuse("too_many_ids",
                  std::to_string(it->size()) + " ids in one request; at most " +
                      std::to_string(max_ids) + " (inbox.max_batch)",
                  std::string(kIdsKey));
  }
  AckBatchIds out;
  out.ids.reserve(it->size());
  std::unordered_set<std::int64_t> seen;
  for (std::size_t i = 0; i < it->size(); ++i) {
    const std::string path = std::string(kIdsKey) + "[" + std::to_string(i) + "]";
    const auto id = delivery_id_of((*it)[i]);
    if (!id) {
      return refuse("invalid_delivery_id",
                    "a delivery id is a positive integer, as GET /v1/inbox gives it", path);
    }
    if (!seen.insert(*id).second) {
      return refuse("duplicate_delivery_id",
                    "delivery id " + std::to_string(*id) + " is listed twice", path);
    }
    out.ids.push_back(*id);
  }
  const auto receipts = parsed.find(kReceiptsKey);
  if (receipts == parsed.end()) return out;
  if (!receipts->is_object()) {
    return refuse("invalid_request", "receipts must be an object mapping delivery ids to receipts",
                  std::string(kReceiptsKey));
  }
  for (const auto& [key, receipt] : receipts->items()) {
    const auto id = parse_count(key, kIdDigits);
    if (!id || !seen.contains(*id) || std::to_string(*id) != key) {
      return refuse("invalid_request",
                    "receipts names '" + key + "', which is not one of delivery_ids",
                    std::string(kReceiptsKey) + "." + key);
    }
    out.receipts.emplace(*id, receipt);
  }
  return out;
}

AckBody parse_ack_body(std::string_view body) {
  AckBody out;
  if (body.empty()) return out;
  auto read = parse_json_body(body);  // invalid_json, duplicate_key
  if (!read.ok()) {
    out.refused = AckBatchError{kRequestBodyRefusedStatus, read.error()};
    return out;
  }
  const json& parsed = read.value();
  auto refuse_body = [&](std::string message, std::string path) {
    out.refused = AckBatchError{http_status_for("invalid_request"),
                                make_error("invalid_request", std::move(message), std::move(path))};
    return out;
  };
  if (!parsed.is_object()) {
    return refuse_body("the body must be empty, {} or {\"receipt\": {...}}", "");
  }
  for (const auto& [key, value] : parsed.items()) {
    if (key != kReceiptKey) return refuse_body("unknown key '" + key + "'; only receipt", key);
    out.receipt = value;
  }
  return out;
}

void ack_batch(spool::Spool& spool, const governance::SignerRegistry* signers,
               const server::Request& request, std::int64_t now_ms, std::size_t max_ids,
               prometheus::Counter& acked, server::Respond respond) {
  if (!is_json_media(request.http[http::field::content_type])) {
    respond(refusal("unsupported_media_type",
                    "send {\"delivery_ids\": [...]} as Content-Type: application/json",
                    "content-type"));
    return;
  }
  auto parsed = parse_ack_batch(request.http.body(), max_ids);
  if (parsed.refused) {
    respond(error_response(parsed.refused->status, parsed.refused->error));
    return;
  }
  auto join = std::make_shared<Join>(std::move(parsed.ids), std::move(respond));
  // Every ack is queued before any is waited for: the writer folds them into one commit.
  for (std::size_t i = 0; i < join->ids.size(); ++i) {
    const auto receipt = parsed.receipts.find(join->ids[i]);
    ack_copy(spool, signers, request.peer.id, join->ids[i],
             receipt == parsed.receipts.end() ? nullptr : &receipt->second,
             "receipts." + std::to_string(join->ids[i]), now_ms,
             [join, i, &acked](Result<CopyAck> result) {
               if (result.ok() && result.value().kind == CopyAck::Kind::acked) acked.Increment();
               join->complete(i, result);
             });
  }
}

}  // namespace accord::api
