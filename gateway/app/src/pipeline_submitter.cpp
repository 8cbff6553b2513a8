#include "pipeline_submitter.hpp"

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
                       // The same envelope may succeed later: the disk or the queue, not the
                       // content.
                       reply.retryable = reply.code == "storage_unavailable" ||
                                         reply.code == "overloaded" ||
                                         reply.code == "shutting_down";
                     }
                     done(std::move(reply));
                   });
}

}  // namespace accord::app
