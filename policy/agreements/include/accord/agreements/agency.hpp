// The agency directory (config/agencies.yaml): every agency the gateway knows, by id.
//
//   agencies:
//     - id: police.met                 # <kind>.<name>, lowercase letters, digits, '-', '.'
//       name: Metropolitan Police Service
//       kind: police                   # police | cps | wcu | court | probation | provider |
//                                      # oversight | gateway
//       competent_authority: true      # optional, default false (DPA 2018 Part 3)
//
// Pure: the caller reads the file. Immutable after parse; safe to share across threads.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "accord/core/result.hpp"

namespace accord::agreements {

struct Agency {
  std::string id;
  std::string name;
  std::string kind;
  bool competent_authority = false;
};

class AgencyDirectory {
 public:
  // The agency kinds the directory accepts, as in config/vocabulary.yaml (`any` is not a kind
  // of agency). `gateway`: a gateway itself, when it sends its own messages (the oversight feed).
  static constexpr std::string_view kKinds[] = {"police",    "cps",      "wcu",       "court",
                                                "probation", "provider", "oversight", "gateway"};

  // Errors: code "invalid_agencies", Error::path "line:col" (1-based), message says what to fix.
  static Result<AgencyDirectory> parse(std::string_view yaml_text);

  // Builds a directory from values (tests, benchmarks). Later duplicates replace earlier ones.
  static AgencyDirectory from(std::initializer_list<Agency> agencies);
  void add(Agency agency);

  const Agency* find(std::string_view id) const;
  bool contains(std::string_view id) const { return find(id) != nullptr; }
  const std::map<std::string, Agency, std::less<>>& all() const { return agencies_; }

 private:
  std::map<std::string, Agency, std::less<>> agencies_;
};

}  // namespace accord::agreements
