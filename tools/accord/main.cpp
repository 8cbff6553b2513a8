// accord: the command line of the Accord gateway. main only wires the subcommand groups
// (commands.hpp); each command reports its exit code by throwing CLI::RuntimeError(code).
#include <exception>
#include <iostream>

#include "accord/core/version.hpp"
#include "commands.hpp"
#include "usage.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "accord: send and receive case updates through an Accord gateway, and manage "
      "its information-sharing agreements"};
  app.name("accord");
  app.set_version_flag("--version", std::string("accord ") + accord::kVersion);
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 ok, 1 local problem (arguments, files), 2 refused by the gateway (4xx),\n"
      "3 gateway error (5xx) or unreachable. Run `accord COMMAND --help` for a command's "
      "options.");

  accord::cli::add_message_commands(app);
  accord::cli::add_receipt_commands(app);
  accord::cli::add_status_command(app);
  accord::cli::add_agreement_commands(app);
  accord::cli::add_agreement_signing_commands(app);
  accord::cli::add_key_commands(app);
  accord::cli::add_decrypt_commands(app);
  accord::cli::add_bench_commands(app);
  accord::cli::add_import_command(app);
  accord::cli::add_audit_commands(app);
  accord::cli::add_audit_agreement_command(app);
  accord::cli::add_dlq_commands(app);
  accord::cli::add_spool_commands(app);
  accord::cli::add_compliance_commands(app);
  accord::cli::add_compliance_notices_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // a command's own code; it has printed its message
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; a usage error exits with the code its command documents.
    return app.exit(e) == 0 ? 0 : accord::cli::usage_exit_code(app);
  } catch (const std::exception& e) {
    std::cerr << "accord: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
