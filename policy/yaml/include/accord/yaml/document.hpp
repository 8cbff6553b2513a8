// The one strict YAML reader (docs/architecture.md, "Configuration files"), first layer:
// positions, problems, parsing and duplicate keys. yaml-cpp keeps both entries of a key given
// twice in one mapping, and node["key"] silently answers the first, so every reader here walks
// the tree and refuses duplicates instead. Pure: text in, nodes and problems out; never throws.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace accord::yaml {

// A 1-based line and column in the text; line 0 means "no position known".
struct Position {
  int line = 0;
  int column = 0;

  bool known() const { return line > 0; }
  std::string to_string() const;  // "line:col", or "" when unknown
  friend bool operator==(const Position&, const Position&) = default;
};

Position position_of(const YAML::Mark& mark);
Position position_of(const YAML::Node& node);

// One finding, with a stable snake_case code: yaml_syntax, not_one_document, duplicate_key,
// unknown_key, missing_key, wrong_type. `hint` says how to fix it (may be empty).
struct Problem {
  std::string code;
  std::string message;
  std::string hint;
  Position at;

  // "message; hint" (or just the message): the one-line form the config readers report.
  std::string text() const;
};

struct Document {
  YAML::Node root;                // Null when the text has no document
  std::vector<Problem> problems;  // empty when the text is one well-formed document
  bool ok() const { return problems.empty(); }
};

// Parses text holding at most one YAML document, then refuses every duplicate key at every
// depth (duplicate_keys). A syntax error is yaml_syntax at its position; several documents
// are not_one_document at the second; an alias is yaml_alias at the first (first_alias).
Document parse(std::string_view text);

// What an event-level scan of the text finds before any tree is built (every reader of an
// Accord YAML file calls it first, through parse() or directly):
// - the first alias (`*name`). Accord's YAML files refuse aliases: an alias repeats a node
//   without repeating its text, so a few kilobytes of aliases to lists of aliases stand for
//   millions of nodes, and every reader would walk each copy. An anchor (`&name`) alone
//   repeats nothing and is allowed.
// - where a second document starts. Every reader refuses a second document, and stopping
//   there also bounds yaml-cpp 0.7, which reads a `,` at the top level as an endless run of
//   empty documents (YAML::LoadAll of ",\n" never returns). After a scan that found neither,
//   YAML::Load (one document) is safe to call.
// Text that does not parse finds nothing here (the tree's parse reports the syntax error).
struct Scan {
  std::optional<Position> alias;
  std::optional<Position> second_document;
};
Scan scan(std::string_view text);
std::optional<Position> first_alias(std::string_view text);  // scan(text).alias

// The Problem for an alias at `at` (code yaml_alias), and for a second document starting at
// `at` (code not_one_document).
Problem alias_problem(Position at);
Problem not_one_document_problem(Position at);

// At most `max_bytes` of `text` (cut at a UTF-8 character boundary), with "..." when cut:
// what a message quotes of an input value, so that a message never grows with the input.
// kPathExcerptBytes is for a key path ("adapters.police.met.inbound[0].mapping"), whose
// keys are each excerpted already: long enough for any real one.
inline constexpr std::size_t kExcerptBytes = 40;
inline constexpr std::size_t kPathExcerptBytes = 200;
std::string excerpt(std::string_view text, std::size_t max_bytes = kExcerptBytes);

// Every key given twice in one mapping, anywhere under `root` (inside lists too), in
// document order, each at its second occurrence, naming the first. Aliased nodes are
// walked once, so a document of aliases costs no more than its text.
std::vector<Problem> duplicate_keys(const YAML::Node& root);

}  // namespace accord::yaml
