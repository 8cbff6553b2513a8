// The lifecycle's read access to what a Ledger folded (lifecycle.cpp) and the one dedup key of
// refusals both sides use. Internal to accord_governance.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "accord/governance/lifecycle.hpp"

namespace accord::governance {

// A refusal is recorded once per (source, content hash claimed, kid, code).
std::string refusal_key(std::string_view source, std::string_view content_hash,
                        std::string_view kid, std::string_view code);

struct LedgerAccess {
  explicit LedgerAccess(const Ledger& ledger) : ledger_(ledger) {}

  struct Facts {
    std::vector<const Statement*> signatures;   // agreement.signed, in log order
    std::vector<const Statement*> suspensions;  // agreement.suspended, in log order
    std::string last_state, last_code, last_missing;
    bool expired = false;
  };
  Facts facts(std::string_view content_hash) const;
  bool refused(std::string_view key) const;
  // (id@version, content hash) of every version whose last state is `activated`, sorted.
  std::vector<std::pair<std::string, std::string>> activated() const;

 private:
  const Ledger& ledger_;
};

}  // namespace accord::governance
