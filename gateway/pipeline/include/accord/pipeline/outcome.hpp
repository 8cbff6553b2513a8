// What Pipeline::submit answers: Accepted or Refused (pipeline.hpp lists the codes).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "accord/core/result.hpp"
#include "accord/pipeline/policy.hpp"

namespace accord::pipeline {

struct Accepted {
  std::string message_id;
  std::vector<std::string> recipients;
  std::int64_t received_at_ms = 0;
  bool duplicate = false;
  // Candidates the policy refused while others were allowed (empty for duplicates).
  std::vector<PlannedRefusal> withheld;
  // The subject's holders told of a propagated event (consent.withdrawn,
  // subject.erasure_requested), sorted: each got an agreement's copy or a notice. Empty for
  // duplicates.
  std::vector<std::string> notified = {};
};

// A refusal with the per-recipient reasons behind it (empty for decode errors).
struct Refused {
  Error error;
  std::vector<PlannedRefusal> details;
};

using SubmitOutcome = std::variant<Accepted, Refused>;
using SubmitHandler = std::function<void(SubmitOutcome)>;

// The refusal of a message id used before for other content (HTTP 409).
Refused id_conflict(const std::string& message_id);

}  // namespace accord::pipeline
