// Status notices (docs/receipts.md, "Status notices"): the spool writes a notice row in the
// transaction where every copy of a submission stored with status_callback gets acknowledged,
// or a copy is dead-lettered; the notifier turns each row into a signed notice copy for the
// submission's sender (Spool::emit_status_notice), which the sender's own outbound (mailbox,
// webhook, file drop, ...) then delivers like any copy.
//
// Each pass reads the pending rows (oldest first), renders the submission's status as GET
// /v1/messages/{id} does at that instant, signs it with the gateway's delivery key and emits
// it. A storage error ends the pass: the rows stay and the next pass retries them (emit is
// idempotent: a row already emitted is gone, so a retry queues nothing twice).
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>

#include "accord/agreements/agency.hpp"
#include "accord/app/config.hpp"
#include "accord/core/result.hpp"
#include "accord/crypto/signature.hpp"
#include "accord/spool/spool.hpp"

namespace accord::app {

class StatusNotifier {
 public:
  // The status JSON of GET /v1/messages/{id} (api::message_status_json).
  using RenderStatus = std::function<std::string(const spool::MessageStatus&)>;

  // `spool` and `signer` must outlive the notifier; `now_ms` is the Env clock.
  StatusNotifier(spool::Spool& spool, const crypto::GatewaySigner& signer,
                 std::function<std::int64_t()> now_ms, RenderStatus render);

  // One pass: emits every pending notice, at most `limit`, and returns how many; blocks until
  // each is durable. Passes are serialised. Errors: the spool's (the pass stops there).
  Result<std::size_t> run_once(std::size_t limit = 100);

 private:
  Status emit(const spool::StatusNotice& notice);

  spool::Spool& spool_;
  const crypto::GatewaySigner& signer_;
  std::function<std::int64_t()> now_ms_;
  RenderStatus render_;
  std::mutex pass_mutex_;
};

// adapters.<agency>.status_callbacks names agencies of the directory: invalid_config naming
// the configuration file's line:col otherwise.
Status check_status_callbacks(const GatewayConfig& config,
                              const agreements::AgencyDirectory& agencies);

}  // namespace accord::app
