// The Subject: line travels in clear in every mail header the relay and the recipient's mail
// system keep, so its template can name only the ids the other headers already carry, never
// a field value or the case URN.
#include <array>
#include <string>
#include <string_view>

#include "accord/adapters/smtp.hpp"

namespace accord::adapters {
namespace {

constexpr std::size_t kMaxSubject = 200;
constexpr std::array<std::string_view, 5> kPlaceholders = {"type", "message_id", "delivery_id",
                                                           "sender", "recipient"};

std::string value_of(std::string_view name, const OutboundMessage& m) {
  if (name == "type") return m.event_type;
  if (name == "message_id") return m.message_id;
  if (name == "delivery_id") return std::to_string(m.delivery_id);
  if (name == "sender") return m.sender;
  return m.recipient;
}

}  // namespace

std::string subject_template_problem(std::string_view subject) {
  if (subject.size() > kMaxSubject) {
    return "is longer than " + std::to_string(kMaxSubject) + " characters";
  }
  for (std::size_t i = 0; i < subject.size(); ++i) {
    const char c = subject[i];
    if (c < 0x20 || c > 0x7e) return "must be printable ASCII (no control characters)";
    if (c == '}') return "has a '}' without its '{'";
    if (c != '{') continue;
    const auto close = subject.find('}', i);
    if (close == std::string_view::npos) return "has a '{' without its '}'";
    const auto name = subject.substr(i + 1, close - i - 1);
    bool known = false;
    for (auto p : kPlaceholders) known = known || p == name;
    if (!known) {
      return "has an unknown placeholder {" + std::string(name) +
             "}: only {type}, {message_id}, {delivery_id}, {sender} and {recipient} (ids, "
             "never field values: the subject travels in clear)";
    }
    i = close;
  }
  return {};
}

std::string render_subject(std::string_view subject, const OutboundMessage& message) {
  std::string out;
  for (std::size_t i = 0; i < subject.size(); ++i) {
    const auto close = subject[i] == '{' ? subject.find('}', i) : std::string_view::npos;
    if (close == std::string_view::npos) {
      out += subject[i];
      continue;
    }
    out += value_of(subject.substr(i + 1, close - i - 1), message);
    i = close;
  }
  return out;
}

}  // namespace accord::adapters
