#include "receipt_ack.hpp"

#include "accord/audit/event.hpp"
#include "accord/receipts/receipt.hpp"

namespace accord::api {
namespace {

const governance::SignerRegistry& no_signers() {
  static const governance::SignerRegistry empty;
  return empty;
}

audit::Event refused_event(const spool::CopyFacts& facts, const Error& refusal,
                           const nlohmann::json* receipt, std::int64_t now_ms) {
  audit::Event e;
  e.kind = audit::kind::kDeliveryReceiptRefused;
  e.at_ms = now_ms;
  e.message_id = facts.message_id;
  e.sender = facts.sender;
  e.recipient = facts.recipient;
  e.delivery_id = facts.delivery_id;
  e.code = refusal.code;
  e.reason = refusal.message;
  // The kid only when one was given as text: a malformed receipt's members are not echoed.
  if (receipt != nullptr && receipt->is_object()) {
    const auto kid = receipt->find("kid");
    if (kid != receipt->end() && kid->is_string() && !kid->get_ref<const std::string&>().empty())
      e.details.emplace_back("kid", kid->get<std::string>());
  }
  return e;
}

CopyAck outcome_of(spool::AckOutcome outcome) {
  return {outcome == spool::AckOutcome::acked ? CopyAck::Kind::acked
                                              : CopyAck::Kind::already_acked};
}

}  // namespace

void ack_copy(spool::Spool& spool, const governance::SignerRegistry* signers,
              const std::string& recipient, std::int64_t delivery_id, const nlohmann::json* receipt,
              const std::string& receipt_path, std::int64_t now_ms, CopyAckHandler done) {
  auto facts = spool.copy_facts(recipient, delivery_id);
  if (!facts.ok()) {
    done(facts.error());
    return;
  }
  const auto& copy = facts.value();
  if (!copy || copy->state == "dead" || copy->state == "purged") {
    done(CopyAck{CopyAck::Kind::not_found});
    return;
  }
  spool::AckRequest ack{recipient, delivery_id, now_ms};
  ack.source = spool::AckSource::recipient;
  if (!copy->acknowledged) {
    auto verdict =
        receipts::check(receipt, {copy->recipient, copy->sender, copy->message_id, copy->copy_hash},
                        copy->receipt_required, signers ? *signers : no_signers(), receipt_path);
    if (!verdict.ok()) {
      Error refusal = verdict.error();
      spool.record({refused_event(*copy, refusal, receipt, now_ms)},
                   [done = std::move(done), refusal](Status recorded) {
                     if (!recorded.ok()) {
                       done(recorded.error());
                       return;
                     }
                     done(CopyAck{CopyAck::Kind::refused, refusal});
                   });
      return;
    }
    if (verdict.value()) {
      ack.receipt = spool::Receipt{verdict.value()->kid, verdict.value()->sig, now_ms};
    }
  }
  spool.ack(std::move(ack), [done = std::move(done)](Result<spool::AckOutcome> result) {
    if (!result.ok()) {
      if (result.error().code == "not_found") {
        done(CopyAck{CopyAck::Kind::not_found});
      } else {
        done(result.error());
      }
      return;
    }
    done(outcome_of(result.value()));
  });
}

}  // namespace accord::api
