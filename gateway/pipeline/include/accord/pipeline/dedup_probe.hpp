// Step 2 of a submission, the dedup probe: a resend of an accepted (sender, id) is answered
// from what the spool already holds, before anything is planned, sealed or queued for the
// writer. Read-only (Spool::find_submission, a reader connection).
#pragma once

#include <optional>
#include <string>

#include "accord/pipeline/outcome.hpp"
#include "accord/spool/spool.hpp"

namespace accord::pipeline {

// Accepted (duplicate: the first submission's recipients and receipt time) when the same
// content was accepted before, Refused (id_conflict) when the id was accepted for other
// content, nullopt when the key is new. nullopt too when the probe cannot read: the writer's
// own dedup check then decides, exactly as without the probe.
std::optional<SubmitOutcome> answer_from_spool(const spool::Spool& spool, const std::string& sender,
                                               const std::string& message_id,
                                               const std::string& content_hash);

}  // namespace accord::pipeline
