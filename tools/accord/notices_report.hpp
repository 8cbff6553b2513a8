// `accord compliance notices`: per propagation message (consent.withdrawn,
// subject.erasure_requested), who was told (a copy stored), who acknowledged (delivery.acked)
// and who has not — folded from audit records (docs/compliance.md §8). Pure: records in,
// report out; the command reads them (cmd_compliance_notices.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace accord::cli {

struct NoticeCopy {
  std::string recipient;
  std::string granted_by;  // "id@version", or "notice" (header only, no agreement)
  std::string stored_at;   // the decision.accepted record's at
  std::int64_t delivery_id = 0;
  std::optional<std::string> acked_at;  // the first delivery.acked of that delivery id
};

struct PropagationNotices {
  std::string sender;
  std::string message_id;
  std::string event_type;
  std::string subject_ref;
  std::string received_at;
  std::vector<NoticeCopy> told;  // in record order
};

// Folds audit records (JSON text, seq order) into one entry per propagation message; when
// `message_id` is set, only that message (any type: a holder may have been told by agreement).
std::vector<PropagationNotices> fold_notices(const std::vector<std::string>& records,
                                             const std::optional<std::string>& message_id);

std::string format_notices_table(const std::vector<PropagationNotices>& notices);
std::string format_notices_json(const std::vector<PropagationNotices>& notices);

}  // namespace accord::cli
