// The governance column of `accord agreements list --signatures DIR --keys DIR`: each loaded
// version's state under the lifecycle rules (policy/governance lifecycle.hpp), judged from the
// statement files and registered signing keys alone (no audit log: file mode).
#pragma once

#include <string>
#include <vector>

#include "accord/agreements/agreement.hpp"
#include "accord/agreements/loader.hpp"
#include "accord/core/result.hpp"

namespace accord::cli {

struct GovernanceListing {
  std::vector<std::string> notes;     // per agreement (same order): describe()
  std::vector<std::string> warnings;  // refused or unreadable statements, one line each
};

// `sources` are the texts the agreements were parsed from (Agreement::file names one).
// Errors: unreadable directories or key files (bad_key_file, duplicate_kid).
Result<GovernanceListing> governance_listing(const std::vector<agreements::Agreement>& agreements,
                                             const std::vector<agreements::SourceText>& sources,
                                             const std::string& signatures_dir,
                                             const std::string& keys_dir, agreements::Instant now);

// The note for an agreement when signatures are not checked: "(signatures not checked)" for a
// version declared active in mode enforce, nothing otherwise.
std::vector<std::string> unchecked_notes(const std::vector<agreements::Agreement>& agreements);

}  // namespace accord::cli
