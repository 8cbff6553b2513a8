// The query string of GET /v1/inbox (docs/api.yaml), parsed apart from the route so it can
// be table-tested: pure, no I/O, any thread.
//
// It takes max=N and lease_seconds=S, nothing else: N and S are decimal digits only, at least
// 1; N is capped at limits.max_batch and S*1000 at limits.max_lease_ms (larger values are
// cut down, not refused). A key given twice: the last one counts. Anything else — an unknown
// key, a missing or non-numeric value, 0, an empty pair ("&&") — is 400 `invalid_query` with
// `path` naming the key. No percent-decoding: neither key nor value needs it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "accord/core/result.hpp"

namespace accord::api {

struct InboxQueryLimits {
  std::size_t max_batch = 100;  // inbox.max_batch
  std::int64_t default_lease_ms = 30'000;
  std::int64_t max_lease_ms = 600'000;
};

struct InboxQuery {
  std::size_t max_items = 0;
  std::int64_t lease_ms = 0;
};

[[nodiscard]] Result<InboxQuery> parse_inbox_query(std::string_view query,
                                                   const InboxQueryLimits& limits);

}  // namespace accord::api
