// The spool as the gateway's submission paths and admin hooks see it: every call goes to the
// real spool, and once a change that makes copies leasable is durable (a stored submission,
// a redrive, an emitted status notice) the recipients' delivery workers are woken
// (Manager::notify). The HTTP API and the inbound adapters reach the spool through the same
// pipeline, so one seam covers both.
#pragma once

#include "accord/delivery/manager.hpp"
#include "accord/spool/forwarding_spool.hpp"

namespace accord::delivery {

class WakingSpool final : public spool::ForwardingSpool {
 public:
  // Both must outlive this object.
  WakingSpool(spool::Spool& inner, Manager& manager) : ForwardingSpool(inner), manager_(manager) {}

  void append(spool::Submission submission, AppendHandler done) override;
  void redrive(spool::RedriveRequest request, CountHandler done) override;
  void emit_status_notice(std::int64_t notice_id, spool::NoticeCopy copy, std::int64_t now_ms,
                          StatusHandler done) override;

 private:
  Manager& manager_;
};

}  // namespace accord::delivery
