// Inbound adapters submit through the same pipeline as the HTTP API: this maps the
// pipeline's outcome to the adapters' SubmitReply.
#pragma once

#include <cstdint>
#include <functional>

#include "accord/adapters/adapter.hpp"
#include "accord/pipeline/pipeline.hpp"

namespace accord::app {

class PipelineSubmitter final : public adapters::Submitter {
 public:
  // `observe` sees every outcome first (the gateway counts them in the submission metrics).
  PipelineSubmitter(pipeline::Pipeline& pipeline, std::function<std::int64_t()> now_ms,
                    std::function<void(const pipeline::SubmitOutcome&)> observe = {})
      : pipeline_(pipeline), now_ms_(std::move(now_ms)), observe_(std::move(observe)) {}
  void submit(const std::string& sender, std::string body, Done done) override;

 private:
  pipeline::Pipeline& pipeline_;
  std::function<std::int64_t()> now_ms_;
  std::function<void(const pipeline::SubmitOutcome&)> observe_;
};

}  // namespace accord::app
