#include "pipeline_submitter.hpp"

#include "accord/core/error_codes.hpp"

namespace accord::app {

void PipelineSubmitter::submit(const std::string& sender, std::string body, Done done) {
  pipeline_.submit(sender, body, now_ms_(),
                   [done = std::move(done), observe = observe_](pipeline::SubmitOutcome out) {
                     if (observe) observe(out);
                     adapters::SubmitReply reply;
                     if (auto* accepted = std::get_if<pipeline::Accepted>(&out)) {
                       reply.status = accepted->duplicate ? adapters::SubmitReply::Status::duplicate
                                                          : adapters::SubmitReply::Status::accepted;
                       reply.recipients = std::move(accepted->recipients);
                     } else {
                       auto& refused = std::get<pipeline::Refused>(out);
                       reply.status = adapters::SubmitReply::Status::refused;
                       reply.code = refused.error.code;
                       reply.message = refused.error.message;
                       reply.path = refused.error.path;
                       // Whether the same envelope may succeed later: the one error table's.
                       reply.retryable = is_retryable(reply.code);
                     }
                     done(std::move(reply));
                   });
}

}  // namespace accord::app
