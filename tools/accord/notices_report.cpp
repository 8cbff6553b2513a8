#include "notices_report.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <utility>

namespace accord::cli {
namespace {

bool is_propagated(const std::string& type) {
  return type == "consent.withdrawn" || type == "subject.erasure_requested";
}

std::string text(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::vector<PropagationNotices> fold_notices(const std::vector<std::string>& records,
                                             const std::optional<std::string>& message_id) {
  std::vector<PropagationNotices> out;
  std::map<std::pair<std::string, std::string>, std::size_t> by_message;    // (sender, id)
  std::map<std::int64_t, std::pair<std::size_t, std::size_t>> by_delivery;  // → (entry, copy)
  for (const std::string& line : records) {
    const auto r = nlohmann::json::parse(line, nullptr, false);
    if (!r.is_object()) continue;
    const std::string kind = text(r, "kind");
    const std::int64_t delivery = r.value("delivery_id", std::int64_t{0});
    if (kind == "decision.accepted") {
      const std::string type = text(r, "event_type");
      const std::string id = text(r, "message_id");
      if (message_id ? id != *message_id : !is_propagated(type)) continue;
      auto key = std::make_pair(text(r, "sender"), id);
      auto [it, fresh] = by_message.try_emplace(key, out.size());
      if (fresh) {
        out.push_back({key.first, id, type, text(r, "subject_ref"), text(r, "at"), {}});
      }
      PropagationNotices& entry = out[it->second];
      const std::string agreement = text(r, "agreement");
      entry.told.push_back({text(r, "recipient"), agreement.empty() ? "notice" : agreement,
                            text(r, "at"), delivery, std::nullopt});
      if (delivery > 0) by_delivery[delivery] = {it->second, entry.told.size() - 1};
    } else if (kind == "delivery.acked") {
      const auto it = by_delivery.find(delivery);
      if (it == by_delivery.end()) continue;
      NoticeCopy& copy = out[it->second.first].told[it->second.second];
      if (!copy.acked_at) copy.acked_at = text(r, "at");
    }
  }
  return out;
}

std::string format_notices_table(const std::vector<PropagationNotices>& notices) {
  std::string out;
  for (const auto& n : notices) {
    out += n.sender + "/" + n.message_id + "  " + n.event_type + "  subject " + n.subject_ref +
           "  received " + n.received_at + "\n";
    int acked = 0;
    for (const auto& c : n.told) {
      out += "  " + c.recipient + "  " + c.granted_by + "  delivery " +
             std::to_string(c.delivery_id) + "  stored " + c.stored_at + "  " +
             (c.acked_at ? "acknowledged " + *c.acked_at : std::string("NOT ACKNOWLEDGED")) + "\n";
      if (c.acked_at) ++acked;
    }
    out += "  told " + std::to_string(n.told.size()) + ", acknowledged " + std::to_string(acked) +
           ", not acknowledged " + std::to_string(n.told.size() - acked) + "\n";
  }
  if (notices.empty()) out = "no propagation message found\n";
  return out;
}

std::string format_notices_json(const std::vector<PropagationNotices>& notices) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& n : notices) {
    nlohmann::ordered_json told = nlohmann::ordered_json::array();
    for (const auto& c : n.told) {
      nlohmann::ordered_json copy = {{"recipient", c.recipient},
                                     {"granted_by", c.granted_by},
                                     {"delivery_id", c.delivery_id},
                                     {"stored_at", c.stored_at}};
      copy["acknowledged_at"] = c.acked_at ? nlohmann::ordered_json(*c.acked_at) : nullptr;
      told.push_back(std::move(copy));
    }
    list.push_back({{"sender", n.sender},
                    {"message_id", n.message_id},
                    {"event_type", n.event_type},
                    {"subject_ref", n.subject_ref},
                    {"received_at", n.received_at},
                    {"told", std::move(told)}});
  }
  return list.dump(2) + "\n";
}

}  // namespace accord::cli
