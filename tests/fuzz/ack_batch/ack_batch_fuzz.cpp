// libFuzzer target for the POST /v1/inbox/ack body parser (gateway/api, ack_batch_body.hpp):
// any bytes must come back as ids or as one of the documented refusals (never a crash or an
// exception), and accepted ids must be 1..max_ids distinct positive ids that read back the
// same when sent again as the inbox hands them out (decimal strings).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "accord/api/ack_batch_body.hpp"

namespace {

constexpr std::size_t kMaxIds = 8;  // small, so "too many" is in reach of the fuzzer

bool documented(const accord::api::AckBatchError& refusal) {
  const auto& code = refusal.error.code;
  if (code == "too_many_ids") return refusal.status == 413;
  return refusal.status == 400 &&
         (code == "invalid_json" || code == "duplicate_key" || code == "invalid_request" ||
          code == "empty_batch" || code == "invalid_delivery_id" ||
          code == "duplicate_delivery_id");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto parsed = accord::api::parse_ack_batch(body, kMaxIds);
  if (parsed.refused) {
    if (!documented(*parsed.refused) || !parsed.ids.empty()) std::abort();
    return 0;
  }
  if (parsed.ids.empty() || parsed.ids.size() > kMaxIds) std::abort();
  const std::set<std::int64_t> distinct(parsed.ids.begin(), parsed.ids.end());
  if (distinct.size() != parsed.ids.size() || *distinct.begin() <= 0) std::abort();
  std::string canonical = "{\"delivery_ids\":[";
  for (std::size_t i = 0; i < parsed.ids.size(); ++i) {
    if (i > 0) canonical += ',';
    canonical += '"' + std::to_string(parsed.ids[i]) + '"';
  }
  canonical += "]}";
  const auto again = accord::api::parse_ack_batch(canonical, kMaxIds);
  if (again.refused || again.ids != parsed.ids) std::abort();
  return 0;
}
