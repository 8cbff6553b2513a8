// Reading a key directory: the gateway's `keys` directory holds agency encryption keys
// (`*.pub.json`) and agreement signing keys (`*.sign.pub.json`); an agency's own directory
// holds secret key files. One listing rule for the gateway, KeyRegistry and the CLI.
//
// Error codes (Error::path names the file or directory): io_error (unreadable),
// insecure_permissions (a private file that group or others may read or write).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "accord/core/result.hpp"

namespace accord::crypto {

// "DIR/NAME" of every regular file in `dir` whose name ends with `suffix` (and is longer than
// it), sorted by name. A missing or unreadable directory is io_error.
Result<std::vector<std::string>> list_dir_files(const std::string& dir, std::string_view suffix);

// ("DIR/NAME", text) of each file list_dir_files names, in that order: what KeyRegistry::parse
// and governance::SignerRegistry::parse take.
Result<std::vector<std::pair<std::string, std::string>>> read_dir_files(const std::string& dir,
                                                                        std::string_view suffix);

// The whole of a file only its owner may access (a secret key): refused, before its content
// is read, when group or others may read or write it ("chmod 600 FILE").
Result<std::string> read_private_file(const std::string& path);

}  // namespace accord::crypto
