#include "accord/pipeline/dedup_probe.hpp"

#include <spdlog/spdlog.h>

namespace accord::pipeline {

Refused id_conflict(const std::string& message_id) {
  return Refused{make_error("id_conflict",
                            "message id '" + message_id +
                                "' was already used for different content; choose a new id",
                            "id"),
                 {}};
}

std::optional<SubmitOutcome> answer_from_spool(const spool::Spool& spool, const std::string& sender,
                                               const std::string& message_id,
                                               const std::string& content_hash) {
  auto prior = spool.find_submission(sender, message_id);
  if (!prior.ok()) {
    spdlog::debug("pipeline: dedup probe failed, the writer decides: {}", prior.error().message);
    return std::nullopt;
  }
  if (!prior->has_value()) return std::nullopt;
  const spool::PriorSubmission& first = **prior;
  if (first.content_hash != content_hash) return SubmitOutcome(id_conflict(message_id));
  Accepted accepted;
  accepted.message_id = message_id;
  accepted.recipients = first.recipients;
  accepted.received_at_ms = first.received_at_ms;
  accepted.duplicate = true;
  return SubmitOutcome(std::move(accepted));
}

}  // namespace accord::pipeline
