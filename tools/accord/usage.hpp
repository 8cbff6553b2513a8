// The exit code of a usage error (unknown option, missing argument, bad value), per command, as
// each command's --help documents it: `accord agreements ...`, `accord audit verify` and
// `accord audit agreement` exit 2 ("unreadable or invalid input", "usage or I/O", "bad
// input"); every other command exits 1 ("local problem (arguments, files)", the root --help
// footer). CLI11's own codes (105, 106, 109, ...)
// are never what a script sees.
#pragma once

#include <CLI/CLI.hpp>

namespace accord::cli {

// `app` is the root after a parse that threw: the deepest subcommand it had reached decides.
int usage_exit_code(const CLI::App& app);

}  // namespace accord::cli
