#include "accord/api/batch_body.hpp"

namespace accord::api {

namespace {

constexpr std::string_view kMessagesKey = "\"messages\"";

bool is_json_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

Error invalid(std::string message, std::string path) {
  return make_error("invalid_batch", std::move(message), std::move(path));
}

std::string item_path(std::size_t index) {
  return "messages[" + std::to_string(index) + "]";
}

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  void skip_space() {
    while (pos_ < text_.size() && is_json_space(text_[pos_])) ++pos_;
  }
  bool at_end() const { return pos_ == text_.size(); }
  bool peek(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
  bool eat(char c) {
    if (!peek(c)) return false;
    ++pos_;
    return true;
  }
  bool eat(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  // The object that starts here, up to its matching '}'; empty when the brackets never
  // close in step (a mismatched closer, or the end of the body inside it).
  std::string_view object() {
    const std::size_t start = pos_;
    std::string closers;  // the closer each open bracket expects, innermost last
    bool in_string = false;
    for (; pos_ < text_.size(); ++pos_) {
      const char c = text_[pos_];
      if (in_string) {
        if (c == '\\') {
          ++pos_;  // the escaped character cannot end the string
        } else if (c == '"') {
          in_string = false;
        }
        continue;
      }
      switch (c) {
        case '"':
          in_string = true;
          break;
        case '{':
          closers.push_back('}');
          break;
        case '[':
          closers.push_back(']');
          break;
        case '}':
        case ']':
          if (closers.empty() || closers.back() != c) return {};
          closers.pop_back();
          if (closers.empty()) {
            ++pos_;
            return text_.substr(start, pos_ - start);
          }
          break;
        default:
          break;
      }
    }
    return {};
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

Result<std::vector<std::string_view>> split_batch(std::string_view body, std::size_t max_items) {
  Scanner in(body);
  in.skip_space();
  if (!in.eat('{')) {
    return invalid("the body must be a JSON object {\"messages\": [envelope, ...]}", "");
  }
  in.skip_space();
  if (!in.eat(kMessagesKey)) {
    return invalid("the batch object must have exactly one member, \"messages\"", "");
  }
  in.skip_space();
  if (!in.eat(':')) return invalid("expected ':' after \"messages\"", "messages");
  in.skip_space();
  if (!in.eat('[')) return invalid("messages must be an array of envelopes", "messages");
  in.skip_space();
  if (in.peek(']')) {
    return invalid("messages is empty: send 1 to " + std::to_string(max_items) + " envelopes",
                   "messages");
  }
  std::vector<std::string_view> items;
  while (true) {
    const std::size_t index = items.size();
    if (index == max_items) {
      return make_error("batch_too_large",
                        "more than " + std::to_string(max_items) +
                            " messages in one batch (limits.max_batch_items)",
                        "messages");
    }
    if (!in.peek('{')) return invalid(item_path(index) + " is not a JSON object", item_path(index));
    const auto item = in.object();
    if (item.empty()) {
      return invalid(item_path(index) + " does not end: its brackets or strings are not closed",
                     item_path(index));
    }
    items.push_back(item);
    in.skip_space();
    if (in.eat(']')) break;
    if (!in.eat(',')) {
      return invalid("expected ',' or ']' after " + item_path(index), "messages");
    }
    in.skip_space();
  }
  in.skip_space();
  if (!in.eat('}')) {
    return invalid("the batch object must have exactly one member, \"messages\"", "");
  }
  in.skip_space();
  if (!in.at_end()) return invalid("bytes after the batch object", "");
  return items;
}

}  // namespace accord::api
