// Helpers shared by the envelope tests: repo files and a raw-text envelope builder.
#pragma once

#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "accord/envelope/vocabulary.hpp"

namespace accord::envelope::test {

inline std::string source_path(const std::string& relative) {
  const char* root = std::getenv("ACCORD_SOURCE_DIR");
  return std::string(root ? root : ACCORD_TEST_SOURCE_DIR) + "/" + relative;
}

inline std::string read_file(const std::string& relative) {
  std::ifstream in(source_path(relative), std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The real vocabulary from config/vocabulary.yaml; aborts the test binary if it is broken
// (the vocabulary tests then say why).
inline const Vocabulary& vocabulary() {
  static const Vocabulary v = [] {
    auto parsed = Vocabulary::parse(read_file("config/vocabulary.yaml"));
    if (!parsed) std::abort();
    return *parsed;
  }();
  return v;
}

// One top-level member as raw JSON text; value nullopt leaves the key out.
struct Member {
  std::string key;
  std::optional<std::string> raw;
};

// A valid envelope with some top-level members replaced (raw text), removed or added.
inline std::string envelope_with(const std::vector<Member>& changes) {
  std::vector<Member> members = {
      {"id", R"("msg-0001")"},
      {"type", R"("hearing.listed")"},
      {"case", R"({"urn":"01AB1234521","owner":"police.met"})"},
      {"subject", R"({"role":"victim","ref":"V-7F3A"})"},
      {"occurred_at", R"("2026-11-20T09:30:00Z")"},
      {"classification", R"("OFFICIAL-SENSITIVE")"},
      {"data", R"({"hearing":{"court":"Southwark Crown Court","date":"2026-12-01"}})"},
  };
  for (const Member& change : changes) {
    bool replaced = false;
    for (Member& m : members) {
      if (m.key == change.key) {
        m.raw = change.raw;
        replaced = true;
      }
    }
    if (!replaced) members.push_back(change);
  }
  std::string out = "{";
  for (const Member& m : members) {
    if (!m.raw) continue;
    if (out.size() > 1) out += ",";
    out += "\"" + m.key + "\":" + *m.raw;
  }
  return out + "}";
}

}  // namespace accord::envelope::test
