// The seam where agreements decide: for one decoded envelope from one sender, which
// recipients get a copy and what each copy holds. The pipeline calls it once per
// submission; an implementation routes (candidate recipients), decides (allow/deny with
// reasons per recipient) and transforms (the recipient's copy), all without I/O.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "accord/audit/event.hpp"
#include "accord/core/result.hpp"
#include "accord/envelope/envelope.hpp"

namespace accord::pipeline {

// One allowed recipient and the exact envelope it will receive.
struct PlannedCopy {
  std::string recipient;
  std::string agreement;  // "id@version" that granted it
  envelope::Envelope copy;
  std::vector<audit::FieldAction> fields;  // each field of the submission and its action
};

// One candidate recipient that was refused, and why (for the sender and the audit log).
struct PlannedRefusal {
  std::string recipient;
  std::string code;  // e.g. condition_failed, requires_encryption, no_agreement
  std::string reason;
};

struct Plan {
  std::vector<PlannedCopy> copies;
  std::vector<PlannedRefusal> refusals;
};

class Policy {
 public:
  virtual ~Policy() = default;
  // Pure: the same arguments give the same plan. Thread-safe (called from many threads).
  virtual Plan plan(const envelope::Envelope& envelope, const std::string& sender,
                    std::int64_t now_ms) const = 0;
};

}  // namespace accord::pipeline
