#include "accord/pipeline/pipeline.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <iterator>

#include "accord/pipeline/compliance_record.hpp"
#include "accord/pipeline/dedup_probe.hpp"
#include "accord/pipeline/subject_ledger.hpp"

namespace accord::pipeline {
namespace {

// What a submission is decided from when no policy is loaded: no condition names a literal.
const agreements::ConditionLiterals kNoLiterals;

}  // namespace

Pipeline::Pipeline(const envelope::Vocabulary& vocabulary, envelope::DecodeLimits limits,
                   spool::Spool& spool, const crypto::GatewaySigner& signer,
                   std::int64_t field_key_epoch_seconds)
    : vocabulary_(vocabulary),
      limits_(limits),
      spool_(spool),
      signer_(signer),
      field_keys_(field_key_epoch_seconds) {}

void Pipeline::set_policy(std::shared_ptr<const Policy> policy) {
  std::atomic_store(&policy_, std::move(policy));
}

std::shared_ptr<const Policy> Pipeline::policy() const {
  return std::atomic_load(&policy_);
}

void Pipeline::submit(const std::string& sender, std::string_view body, std::int64_t now_ms,
                      SubmitHandler done) {
  // 1. Decode.
  auto decoded = envelope::decode(body, vocabulary_, limits_);
  if (!decoded.ok()) {
    done(Refused{decoded.error(), {}});
    return;
  }
  const envelope::Envelope& env = decoded.value();
  const std::string body_hash = content_hash(body);

  // 2. Dedup probe: a resend costs one read, no plan, no crypto, no write.
  if (auto answer = answer_from_spool(spool_, sender, env.id, body_hash)) {
    done(std::move(*answer));
    return;
  }

  // 2b. Compliance facts: a bad one refuses the submission before any planning, like a
  // decode error (nothing stored).
  auto compliance = compliance_facts(env, sender, now_ms, vocabulary_);
  if (!compliance.ok()) {
    done(Refused{compliance.error(), {}});
    return;
  }

  // 3. Plan: route → decide → transform, pure. The subject's stored state is read first (one
  // spool read) only when the plan can depend on it or the event is propagated to holders.
  const auto policy = this->policy();
  SubjectLedger ledger;
  const bool state_read =
      is_propagated(env.type) || (policy && policy->reads_subject_state(env, sender));
  if (state_read) {
    auto rows = spool_.subject_state(env.subject.ref);
    if (!rows.ok()) {
      // Fail closed: a consent that cannot be read is not assumed.
      done(Refused{make_error("storage_unavailable",
                              "the subject's stored state cannot be read: " + rows.error().message),
                   {}});
      return;
    }
    ledger = fold_ledger(*rows, env.type, sender);
  }
  Plan plan = policy ? policy->plan(env, sender, now_ms, ledger.state) : Plan{};

  // 4. Seal: encrypt the fields the plan names, sign every copy.
  Sealed sealed = seal(std::move(plan.copies), {sender, env.id, now_ms}, signer_, field_keys_);
  withhold_unsealed(plan, std::move(sealed.refusals));
  // A propagated event reaches every holder: a notice to each one left without a copy.
  std::vector<std::string> notified = ledger.holders;
  if (!notified.empty()) {
    Sealed notices = seal(notices_for(sealed.copies, env, ledger.holders), {sender, env.id, now_ms},
                          signer_, field_keys_);
    for (auto& notice : notices.copies) sealed.copies.push_back(std::move(notice));
  }
  std::vector<PlannedRefusal> withheld = std::move(plan.refusals);

  // 5. Compose the audit records (a refusal's too), 6. store them with the copies. The first
  // is what the decision was made from (decision.inputs), for trying other agreements on it.
  const DecisionFacts facts = decision_facts(env, sender, body_hash, now_ms);
  audit::Event inputs = inputs_record(
      facts, agreements::collect_inputs(env, policy ? policy->condition_literals() : kNoLiterals,
                                        state_read ? &ledger.state : nullptr));
  // An event the gateway records itself (victim.informed, consent.*) is stored for its facts
  // even when no agreement routes it to anyone.
  if (sealed.copies.empty() && !stored_without_recipients(env, vocabulary_)) {
    std::string why = withheld.empty()
                          ? "no active agreement lets " + sender + " share '" + env.type + "'"
                          : "no agreement allows any recipient; see details";
    refuse(Refused{make_error("not_permitted", std::move(why), "type"), std::move(withheld)}, facts,
           std::move(inputs), plan.shadow, std::move(done));
    return;
  }
  spool::Submission submission;
  submission.sender = sender;
  submission.message_id = env.id;
  submission.content_hash = body_hash;
  submission.event_type = env.type;
  submission.case_urn = env.case_ref.urn;
  submission.subject_ref = env.subject.ref;
  submission.received_at_ms = now_ms;
  submission.status_callback = status_callbacks_.contains(sender);
  auto decided = accepted_records(facts, sealed.copies, withheld, plan.shadow);
  submission.records.reserve(decided.size() + 3);  // + inputs, compliance.facts, notified
  submission.records.push_back({std::move(inputs)});
  std::move(decided.begin(), decided.end(), std::back_inserter(submission.records));
  submission.records.push_back({compliance_facts_record(facts, *compliance)});
  submission.subject_facts = ledger_facts(env, sender, sealed.copies);
  // Kept with the submission so its sender can ask later who was withheld and why
  // (GET /v1/messages/{id}), as the 202 answer said.
  for (const auto& r : withheld) submission.withheld.push_back({r.recipient, r.code, r.reason});
  if (!notified.empty()) {
    // Last of the submission's records: after its decision.* (and compliance.facts).
    submission.records.push_back(
        {notified_record(submission.records.front().event, notified, sealed.copies)});
  }
  std::vector<DecidedFlow> decided_flows;
  if (observer_) {
    for (const auto& copy : sealed.copies) {
      decided_flows.push_back(
          {copy.recipient, copy.agreement.empty() ? "-" : copy.agreement, true});
    }
    for (const auto& r : withheld) {
      decided_flows.push_back({r.recipient, r.agreement.empty() ? "-" : r.agreement, false});
    }
  }
  submission.copies.reserve(sealed.copies.size());
  for (auto& copy : sealed.copies) {
    submission.copies.push_back({std::move(copy.recipient), std::move(copy.document),
                                 std::move(copy.copy_hash), copy.receipt_required});
  }
  spool_.append(
      std::move(submission),
      [done = std::move(done), id = env.id, withheld = std::move(withheld),
       notified = std::move(notified), observer = observer_, sender,
       decided_flows = std::move(decided_flows)](Result<spool::AppendResult> result) mutable {
        if (!result.ok()) {
          done(Refused{result.error(), {}});
          return;
        }
        auto& appended = result.value();
        // The writer's own dedup check: a first send racing this one won.
        if (appended.outcome == spool::AppendOutcome::conflict) {
          done(id_conflict(id));
          return;
        }
        Accepted accepted;
        accepted.message_id = std::move(id);
        accepted.recipients = std::move(appended.recipients);
        accepted.received_at_ms = appended.received_at_ms;
        accepted.duplicate = appended.outcome == spool::AppendOutcome::duplicate;
        if (!accepted.duplicate) {
          accepted.withheld = std::move(withheld);
          accepted.notified = std::move(notified);
          if (observer) observer(sender, decided_flows);
        }
        done(std::move(accepted));
      });
}

void Pipeline::refuse(Refused refused, const DecisionFacts& facts, audit::Event inputs,
                      const std::vector<ShadowOutcome>& shadow, SubmitHandler done) {
  // Answered once its records are durable: "what was refused" is a question the log must
  // answer (docs/audit-format.md).
  // Composed before `refused` moves into the handler (argument order is unspecified).
  auto decided = refused_records(facts, refused, shadow);
  std::vector<audit::Event> records;
  records.reserve(decided.size() + 1);
  records.push_back(std::move(inputs));
  std::move(decided.begin(), decided.end(), std::back_inserter(records));
  spool_.record(
      std::move(records), [done = std::move(done), refused = std::move(refused),
                           observer = observer_, sender = facts.sender](Status s) mutable {
        if (!s.ok()) {
          // Still a refusal: the sender may not share this, whatever the disk says.
          spdlog::error("pipeline: audit record of a refusal not written: {}", s.error().message);
        } else if (observer) {
          std::vector<DecidedFlow> flows;
          for (const auto& r : refused.details) {
            flows.push_back({r.recipient, r.agreement.empty() ? "-" : r.agreement, false});
          }
          if (flows.empty()) flows.push_back({"-", "-", false});
          observer(sender, flows);
        }
        done(std::move(refused));
      });
}

}  // namespace accord::pipeline
