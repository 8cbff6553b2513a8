#include "accord/client/batch_submit.hpp"

#include <nlohmann/json.hpp>

namespace accord::client {
namespace {

using nlohmann::json;

std::string text_member(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool is_json_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

}  // namespace

bool frames_as_object(std::string_view text) {
  while (!text.empty() && is_json_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_json_space(text.back())) text.remove_suffix(1);
  if (text.empty() || text.front() != '{') return false;
  std::string closers;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      closers.push_back(c == '{' ? '}' : ']');
    } else if (c == '}' || c == ']') {
      if (closers.empty() || closers.back() != c) return false;
      closers.pop_back();
      if (closers.empty()) return i + 1 == text.size();
    }
  }
  return false;
}

std::string batch_body(const std::vector<std::string>& envelopes) {
  std::size_t size = 16;
  for (const auto& e : envelopes) size += e.size() + 1;
  std::string body;
  body.reserve(size);
  body += "{\"messages\":[";
  for (std::size_t i = 0; i < envelopes.size(); ++i) {
    if (i > 0) body += ',';
    body += envelopes[i];
  }
  body += "]}";
  return body;
}

Result<std::vector<BatchItemResult>> parse_batch_results(std::string_view body,
                                                         std::size_t expected) {
  const json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object() || !parsed.contains("results") || !parsed["results"].is_array()) {
    return make_error("bad_response", "the batch answer has no \"results\" array", "results");
  }
  const json& results = parsed["results"];
  if (results.size() != expected) {
    return make_error("bad_response",
                      "the batch answer has " + std::to_string(results.size()) + " results for " +
                          std::to_string(expected) + " messages",
                      "results");
  }
  std::vector<BatchItemResult> out;
  out.reserve(expected);
  for (const auto& r : results) {
    const std::size_t i = out.size();
    const std::string where = "results[" + std::to_string(i) + "]";
    if (!r.is_object() || !r.contains("index") || !r["index"].is_number_unsigned() ||
        r["index"].get<std::size_t>() != i || !r.contains("http_status") ||
        !r["http_status"].is_number_unsigned()) {
      return make_error("bad_response",
                        "a result has no index " + std::to_string(i) + " or no http_status", where);
    }
    BatchItemResult item;
    item.index = i;
    item.http_status = r["http_status"].get<unsigned>();
    item.id = text_member(r, "id");
    item.duplicate = r.value("duplicate", false);
    if (const auto error = r.find("error"); error != r.end() && error->is_object()) {
      item.code = text_member(*error, "code");
      item.message = text_member(*error, "message");
    }
    item.json = r.dump(-1, ' ', false, json::error_handler_t::replace);
    out.push_back(std::move(item));
  }
  return out;
}

Result<BatchAnswer> submit_batch(HttpsClient& client, const std::vector<std::string>& envelopes) {
  if (envelopes.empty()) {
    return make_error("invalid_argument", "a batch needs at least one envelope", "envelopes");
  }
  auto r =
      client.request(boost::beast::http::verb::post, kBatchSubmitTarget, batch_body(envelopes));
  if (!r) return r.error();
  BatchAnswer answer;
  if (r->status != 200) {
    answer.refused = {r->status, std::move(r->body)};
    return answer;
  }
  auto results = parse_batch_results(r->body, envelopes.size());
  if (!results) return results.error();
  answer.results = std::move(results.value());
  return answer;
}

}  // namespace accord::client
