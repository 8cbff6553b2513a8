// The structured fields of the log call in progress on this thread. Loggers are synchronous
// (sinks format on the calling thread), so log_fields() sets this around its call and the
// JSON formatter reads it; null for every other line.
#pragma once

#include <vector>

#include "accord/logging/structured.hpp"

namespace accord::logging::detail {

inline const std::vector<Field>*& current_fields() {
  thread_local const std::vector<Field>* fields = nullptr;
  return fields;
}

}  // namespace accord::logging::detail
