// A finding about an agreement file that a person can act on: where (file:line:column), what
// (a stable code and a message) and how to fix it.
#pragma once

#include <string>
#include <vector>

namespace accord::agreements {

// A 1-based position in a source file; line 0 means "no position known".
struct Pos {
  int line = 0;
  int column = 0;
  friend bool operator==(const Pos&, const Pos&) = default;
};

enum class Severity { error, warning };

// Codes are stable snake_case tokens (docs/agreements.md lists them all).
struct Diagnostic {
  Severity severity = Severity::error;
  std::string file;
  Pos pos;
  std::string code;
  std::string message;
  std::string hint;  // how to fix it; never empty for errors

  // "file:line:col: error: message (fix: hint) [code]"
  std::string to_string() const;
};

bool has_errors(const std::vector<Diagnostic>& diagnostics);

}  // namespace accord::agreements
