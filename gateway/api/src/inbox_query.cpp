#include "accord/api/inbox_query.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>

#include "decimal.hpp"

namespace accord::api {
namespace {}  // namespace

Result<InboxQuery> parse_inbox_query(std::string_view query, const InboxQueryLimits& limits) {
  InboxQuery out{limits.max_batch, limits.default_lease_ms};
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = pair.find('=');
    const auto key = pair.substr(0, eq);
    const auto value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    const auto number = parse_count(value, kQueryCountDigits);
    if (key == "max" && number && *number >= 1) {
      out.max_items = std::min<std::size_t>(static_cast<std::size_t>(*number), limits.max_batch);
    } else if (key == "lease_seconds" && number && *number >= 1) {
      out.lease_ms = std::min<std::int64_t>(*number * 1000, limits.max_lease_ms);
    } else {
      return make_error("invalid_query",
                        "query takes max=N (1.." + std::to_string(limits.max_batch) +
                            ") and lease_seconds=S (1.." +
                            std::to_string(limits.max_lease_ms / 1000) + ")",
                        std::string(key));
    }
  }
  return out;
}

}  // namespace accord::api
