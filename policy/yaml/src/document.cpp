#include "accord/yaml/document.hpp"

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <set>
#include <sstream>
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

namespace {

// The event-level scan stops (by throwing one of these) at the first alias, or at the first
// node of a second document: nothing after either matters.
struct Stop {
  YAML::Mark mark;
  bool alias = false;
};

class Scanner : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override { ++documents_; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    node(mark);
    throw Stop{mark, true};
  }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    node(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnMapEnd() override {}

 private:
  void node(const YAML::Mark& mark) const {
    if (documents_ > 1) throw Stop{mark, false};
  }
  int documents_ = 0;
};

}  // namespace

Scan scan(std::string_view text) {
  std::istringstream in{std::string(text)};
  Scanner scanner;
  try {
    YAML::Parser parser(in);
    // yaml-cpp 0.7 never consumes a `,` outside a flow collection at the top level: each
    // call answers another empty document at the same token, forever. Stopping at the second
    // document is what bounds this loop (and YAML::LoadAll would grow without end).
    while (parser.HandleNextDocument(scanner)) {
    }
  } catch (const Stop& stop) {
    Scan out;
    (stop.alias ? out.alias : out.second_document) = position_of(stop.mark);
    return out;
  } catch (const YAML::Exception&) {
    return {};  // the tree's parse reports the syntax error
  }
  return {};
}

std::optional<Position> first_alias(std::string_view text) {
  return scan(text).alias;
}

Problem alias_problem(Position at) {
  return Problem{"yaml_alias", "YAML aliases (*name) are not accepted",
                 "write the value out in full where it applies", at};
}

std::string excerpt(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t cut = max_bytes;
  // Back up over UTF-8 continuation bytes (10xxxxxx) so no character is split.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "...";
}

Document parse(std::string_view text) {
  Document out;
  const Scan found = scan(text);
  if (found.alias) {
    out.problems.push_back(alias_problem(*found.alias));
    return out;
  }
  if (found.second_document) {
    out.problems.push_back(not_one_document_problem(*found.second_document));
    return out;
  }
  try {
    out.root = YAML::Load(std::string(text));  // the first (and only) document
  } catch (const YAML::Exception& e) {
    out.problems.push_back(Problem{"yaml_syntax", "YAML syntax: " + e.msg,
                                   "fix the YAML at this position (indentation, quotes, colons)",
                                   position_of(e.mark)});
    return out;
  }
  out.problems = duplicate_keys(out.root);
  return out;
}

Problem not_one_document_problem(Position at) {
  return Problem{"not_one_document", "the text holds several YAML documents",
                 "keep one document (remove the `---` line, or a stray `,` at the top level)", at};
}

std::vector<Problem> duplicate_keys(const YAML::Node& root) {
  std::vector<Problem> out;
  // Depth-first with an explicit stack (deep nesting must not exhaust the C stack); a
  // collection is identified by its offset in the text, so an alias is walked once. A path
  // ("zmq.adapters[1]") is spelled only for a message, from the chain of steps that led
  // there: spelled for every node, a long key above a long list would cost their product.
  struct Step {
    std::size_t parent;   // index in `steps`; npos at the top level
    std::string segment;  // ".key" (excerpted) or "[3]"
  };
  constexpr std::size_t kTop = static_cast<std::size_t>(-1);
  std::vector<Step> steps;
  const auto path_of = [&](std::size_t step) {
    std::vector<const std::string*> segments;
    for (std::size_t at = step; at != kTop; at = steps[at].parent) {
      segments.push_back(&steps[at].segment);
    }
    std::string path;
    for (auto it = segments.rbegin(); it != segments.rend(); ++it) path += **it;
    if (!path.empty() && path.front() == '.') path.erase(0, 1);
    return path.empty() ? std::string("the top level") : excerpt(path, kPathExcerptBytes);
  };
  struct Item {
    YAML::Node node;
    std::size_t step;  // the step that reached it, kTop for the root
  };
  std::set<int> walked;
  std::vector<Item> stack{{root, kTop}};
  while (!stack.empty()) {
    const Item item = std::move(stack.back());
    stack.pop_back();
    const YAML::Node& node = item.node;
    if (!node.IsMap() && !node.IsSequence()) continue;
    if (!node.Mark().is_null() && !walked.insert(node.Mark().pos).second) continue;
    std::vector<Item> children;
    const auto add = [&](const YAML::Node& child, std::string segment) {
      if (!child.IsMap() && !child.IsSequence()) return;  // only collections hold keys
      steps.push_back({item.step, std::move(segment)});
      children.push_back({child, steps.size() - 1});
    };
    std::optional<std::string> where;  // this mapping's path, spelled at its first duplicate
    if (node.IsSequence()) {
      std::size_t index = 0;
      for (const YAML::Node& child : node) add(child, "[" + std::to_string(index++) + "]");
    } else {
      std::unordered_map<std::string, Position> first;
      for (const auto& entry : node) {
        if (!entry.first.IsScalar()) continue;  // the readers refuse non-text keys
        const std::string& key = entry.first.Scalar();
        const auto [it, fresh] = first.emplace(key, position_of(entry.first));
        if (!fresh) {
          if (!where) where = path_of(item.step);
          out.push_back(Problem{"duplicate_key",
                                "duplicate key '" + excerpt(key) + "' in " + *where +
                                    " (first at " + it->second.to_string() + ")",
                                "keep one '" + excerpt(key) + "'", position_of(entry.first)});
        }
        add(entry.second, "." + excerpt(key));
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
