#include "accord/yaml/document.hpp"

#include <algorithm>
#include <set>
#include <unordered_map>
#include <utility>

namespace accord::yaml {

std::string Position::to_string() const {
  return known() ? std::to_string(line) + ":" + std::to_string(column) : std::string();
}

Position position_of(const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0) return {};
  return Position{mark.line + 1, mark.column + 1};
}

Position position_of(const YAML::Node& node) {
  return position_of(node.Mark());
}

std::string Problem::text() const {
  return hint.empty() ? message : message + "; " + hint;
}

Document parse(std::string_view text) {
  Document out;
  try {
    std::vector<YAML::Node> docs = YAML::LoadAll(std::string(text));
    if (docs.size() > 1) {
      out.problems.push_back(Problem{"not_one_document", "the text holds several YAML documents",
                                     "keep one document (remove the `---` line)",
                                     position_of(docs[1])});
      return out;
    }
    if (!docs.empty()) out.root = docs[0];
  } catch (const YAML::Exception& e) {
    out.problems.push_back(Problem{"yaml_syntax", "YAML syntax: " + e.msg,
                                   "fix the YAML at this position (indentation, quotes, colons)",
                                   position_of(e.mark)});
    return out;
  }
  out.problems = duplicate_keys(out.root);
  return out;
}

std::vector<Problem> duplicate_keys(const YAML::Node& root) {
  std::vector<Problem> out;
  // Depth-first with an explicit stack (deep nesting must not exhaust the C stack); a
  // collection is identified by its offset in the text, so an alias is walked once.
  struct Item {
    YAML::Node node;
    std::string path;  // "listen", "zmq.adapters[1]"; "" is the top level
  };
  std::set<int> walked;
  std::vector<Item> stack{{root, ""}};
  while (!stack.empty()) {
    const Item item = std::move(stack.back());
    stack.pop_back();
    const YAML::Node& node = item.node;
    if (!node.IsMap() && !node.IsSequence()) continue;
    if (!node.Mark().is_null() && !walked.insert(node.Mark().pos).second) continue;
    std::vector<Item> children;
    if (node.IsSequence()) {
      std::size_t index = 0;
      for (const YAML::Node& child : node) {
        children.push_back({child, item.path + "[" + std::to_string(index++) + "]"});
      }
    } else {
      std::unordered_map<std::string, Position> first;
      for (const auto& entry : node) {
        if (!entry.first.IsScalar()) continue;  // the readers refuse non-text keys
        const std::string& key = entry.first.Scalar();
        const auto [it, fresh] = first.emplace(key, position_of(entry.first));
        if (!fresh) {
          out.push_back(Problem{"duplicate_key",
                                "duplicate key '" + key + "' in " +
                                    (item.path.empty() ? "the top level" : item.path) +
                                    " (first at " + it->second.to_string() + ")",
                                "keep one '" + key + "'", position_of(entry.first)});
        }
        children.push_back({entry.second, item.path.empty() ? key : item.path + "." + key});
      }
    }
    // Reversed, so that the stack pops them in document order.
    for (auto it = children.rbegin(); it != children.rend(); ++it) stack.push_back(*it);
  }
  std::stable_sort(out.begin(), out.end(), [](const Problem& a, const Problem& b) {
    return std::pair(a.at.line, a.at.column) < std::pair(b.at.line, b.at.column);
  });
  return out;
}

}  // namespace accord::yaml
