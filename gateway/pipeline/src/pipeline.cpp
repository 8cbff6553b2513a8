#include "accord/pipeline/pipeline.hpp"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <cstdio>

#include "accord/core/time_format.hpp"

namespace accord::pipeline {

std::string content_hash(std::string_view body) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  // EVP_Digest only fails on allocation failure, which is not recoverable here.
  if (EVP_Digest(body.data(), body.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    std::abort();
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(static_cast<std::size_t>(length) * 2, '0');
  for (unsigned int i = 0; i < length; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 0x0f];
  }
  return hex;
}

std::vector<audit::Event> refusal_events(const envelope::Envelope& env, const std::string& sender,
                                         const std::string& body_hash, std::int64_t now_ms,
                                         const Refused& refused) {
  audit::Event base;
  base.kind = audit::kind::kDecisionRefused;
  base.at_ms = now_ms;
  base.message_id = env.id;
  base.sender = sender;
  base.event_type = env.type;
  base.case_urn = env.case_ref.urn;
  base.subject_role = env.subject.role;
  base.subject_ref = env.subject.ref;
  base.content_hash = body_hash;
  std::vector<audit::Event> events;
  if (refused.details.empty()) {
    base.code = refused.error.code;
    base.reason = refused.error.message;
    events.push_back(std::move(base));
    return events;
  }
  for (const auto& detail : refused.details) {
    audit::Event e = base;
    e.recipient = detail.recipient;
    e.agreement = detail.agreement;
    e.code = detail.code;
    e.reason = detail.reason;
    events.push_back(std::move(e));
  }
  return events;
}

std::vector<audit::Event> shadow_events(const envelope::Envelope& env, const std::string& sender,
                                        const std::string& body_hash, std::int64_t now_ms,
                                        const std::vector<ShadowOutcome>& shadow) {
  std::vector<audit::Event> events;
  events.reserve(shadow.size());
  for (const auto& s : shadow) {
    audit::Event e;
    e.kind = audit::kind::kDecisionShadow;
    e.at_ms = now_ms;
    e.message_id = env.id;
    e.sender = sender;
    e.recipient = s.recipient;
    e.agreement = s.agreement;
    e.event_type = env.type;
    e.case_urn = env.case_ref.urn;
    e.subject_role = env.subject.role;
    e.subject_ref = env.subject.ref;
    e.content_hash = body_hash;
    e.fields = s.fields;
    e.code = s.would_share ? "would_share" : "would_refuse";
    e.reason = s.reason;
    // Field by field, what was shared -> what the shadow agreement would share ("drop" when
    // not shared at all). Names and actions only.
    std::string changes;
    for (std::size_t i = 0; i < s.fields.size() && i < s.enforced_fields.size(); ++i) {
      if (s.fields[i].action == s.enforced_fields[i].action) continue;
      if (!changes.empty()) changes += ';';
      changes += s.fields[i].path + ':' + s.enforced_fields[i].action + '>' + s.fields[i].action;
    }
    const bool shared = !s.enforced.empty();
    const char* exposure = shared && s.would_share ? (changes.empty() ? "unchanged" : "changed")
                           : s.would_share         ? "added"
                           : shared                ? "removed"
                                                   : "none";
    e.details.emplace_back("enforced", shared ? s.enforced : "none");
    e.details.emplace_back("exposure", exposure);
    if (!changes.empty()) e.details.emplace_back("changes", std::move(changes));
    events.push_back(std::move(e));
  }
  return events;
}

std::string delivered_document(std::string_view envelope_json,
                               const crypto::DeliverySignature& signature) {
  const std::string signature_json = signature.to_json();
  std::string document;
  document.reserve(envelope_json.size() + signature_json.size() + 27);
  document += "{\"envelope\":";
  document += envelope_json;
  document += ",\"signature\":";
  document += signature_json;
  document += '}';
  return document;
}

Pipeline::Pipeline(const envelope::Vocabulary& vocabulary, envelope::DecodeLimits limits,
                   spool::Spool& spool, const crypto::GatewaySigner& signer)
    : vocabulary_(vocabulary), limits_(limits), spool_(spool), signer_(signer) {}

void Pipeline::set_policy(std::shared_ptr<const Policy> policy) {
  std::atomic_store(&policy_, std::move(policy));
}

std::shared_ptr<const Policy> Pipeline::policy() const {
  return std::atomic_load(&policy_);
}

void Pipeline::submit(const std::string& sender, std::string_view body, std::int64_t now_ms,
                      SubmitHandler done) {
  auto decoded = envelope::decode(body, vocabulary_, limits_);
  if (!decoded.ok()) {
    done(Refused{decoded.error(), {}});
    return;
  }
  const envelope::Envelope& env = decoded.value();

  // route → decide → transform, all inside the policy: one pass, no I/O.
  const auto policy = this->policy();
  Plan plan = policy ? policy->plan(env, sender, now_ms) : Plan{};
  if (plan.copies.empty()) {
    std::string why = plan.refusals.empty()
                          ? "no active agreement lets " + sender + " share '" + env.type + "'"
                          : "no agreement allows any recipient; see details";
    Refused refused{make_error("not_permitted", std::move(why), "type"), std::move(plan.refusals)};
    // The refusal is answered once its audit records are durable: "what was refused" is a
    // question the log must answer (docs/audit-format.md).
    const std::string body_hash = content_hash(body);
    auto events = refusal_events(env, sender, body_hash, now_ms, refused);
    auto shadow = shadow_events(env, sender, body_hash, now_ms, plan.shadow);
    events.insert(events.end(), std::make_move_iterator(shadow.begin()),
                  std::make_move_iterator(shadow.end()));
    spool_.record(std::move(events), [done = std::move(done),
                                      refused = std::move(refused)](Status s) mutable {
      if (!s.ok()) {
        // Still a refusal: the sender may not share this, whatever the disk says.
        spdlog::error("pipeline: audit record of a refusal not written: {}", s.error().message);
      }
      done(std::move(refused));
    });
    return;
  }

  spool::Submission submission;
  submission.sender = sender;
  submission.message_id = env.id;
  submission.content_hash = content_hash(body);
  submission.event_type = env.type;
  submission.case_urn = env.case_ref.urn;
  submission.subject_role = env.subject.role;
  submission.subject_ref = env.subject.ref;
  submission.received_at_ms = now_ms;
  submission.refusals.reserve(plan.refusals.size());
  for (const auto& r : plan.refusals)
    submission.refusals.push_back({r.recipient, r.code, r.reason, r.agreement});
  submission.decision_records =
      shadow_events(env, sender, submission.content_hash, now_ms, plan.shadow);
  submission.copies.reserve(plan.copies.size());
  // The receipt time as the inbox prints it, so a recipient can rebuild the signed bytes.
  const std::string received_at = format_time_ms(now_ms);
  for (const auto& planned : plan.copies) {
    // One encoding of the copy is both what is stored and (as the canonical envelope) what is
    // signed, so the copy is neither re-parsed nor encoded twice (crypto/signing_input.hpp).
    const auto encoded =
        crypto::encode_for_delivery({sender, planned.recipient, env.id, received_at}, planned.copy);
    const auto signature = signer_.sign(encoded.signing_input);
    submission.copies.push_back({planned.recipient,
                                 delivered_document(encoded.envelope_json, signature),
                                 planned.agreement, planned.fields});
  }

  spool_.append(std::move(submission),
                [done = std::move(done), id = env.id,
                 refusals = std::move(plan.refusals)](Result<spool::AppendResult> result) mutable {
                  if (!result.ok()) {
                    done(Refused{result.error(), {}});
                    return;
                  }
                  auto& appended = result.value();
                  if (appended.outcome == spool::AppendOutcome::conflict) {
                    done(Refused{make_error("id_conflict",
                                            "message id '" + id +
                                                "' was already used for different content; "
                                                "choose a new id",
                                            "id"),
                                 {}});
                    return;
                  }
                  Accepted accepted;
                  accepted.message_id = std::move(id);
                  accepted.recipients = std::move(appended.recipients);
                  accepted.received_at_ms = appended.received_at_ms;
                  accepted.duplicate = appended.outcome == spool::AppendOutcome::duplicate;
                  if (!accepted.duplicate) accepted.withheld = std::move(refusals);
                  done(std::move(accepted));
                });
}

}  // namespace accord::pipeline
