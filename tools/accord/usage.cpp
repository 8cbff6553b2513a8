#include "usage.hpp"

#include <string>

namespace accord::cli {

int usage_exit_code(const CLI::App& app) {
  // The chain of subcommands the parse had entered, root excluded: "audit verify".
  std::string command;
  const CLI::App* at = &app;
  for (;;) {
    const auto chosen = at->get_subcommands();
    if (chosen.empty()) break;
    at = chosen.front();
    if (!command.empty()) command += ' ';
    command += at->get_name();
  }
  if (command == "agreements" || command.starts_with("agreements ")) return 2;
  if (command == "audit verify" || command == "audit agreement") return 2;
  return 1;
}

}  // namespace accord::cli
