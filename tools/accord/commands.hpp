// Each subcommand group of the `accord` CLI registers itself on the root app. main.cpp only
// calls these, in the order they appear in --help.
#pragma once

#include <CLI/CLI.hpp>

namespace accord::cli {

void add_message_commands(CLI::App& app);    // send, inbox, ack           (cmd_messages.cpp)
void add_status_command(CLI::App& app);      // status ID                  (cmd_status.cpp)
void add_agreement_commands(CLI::App& app);  // agreements validate|list|explain|diff
                                             //                            (cmd_agreements.cpp)
// agreements sign|suspend: joins the `agreements` group add_agreement_commands made
void add_agreement_signing_commands(CLI::App& app);  //          (cmd_agreement_signing.cpp)
void add_key_commands(CLI::App& app);                // keys gen|rotate|list       (cmd_keys.cpp)
void add_decrypt_commands(CLI::App& app);            // decrypt                    (cmd_decrypt.cpp)
void add_bench_commands(CLI::App& app);              // bench                      (cmd_bench.cpp)
void add_import_command(CLI::App& app);              // import FILE.jsonl          (cmd_import.cpp)
void add_audit_commands(CLI::App& app);              // audit verify|query|export|report
                                                     //                            (cmd_audit.cpp)
void add_dlq_commands(CLI::App& app);                // dlq list|retry             (cmd_dlq.cpp)
void add_spool_commands(CLI::App& app);              // spool migrate|backup       (cmd_spool.cpp)
// spool backup (cmd_spool_backup.cpp); added to the `spool` group by add_spool_commands
void add_spool_backup_command(CLI::App& group);
// compliance report (cmd_compliance.cpp)
void add_compliance_commands(CLI::App& app);
// compliance notices (cmd_compliance_notices.cpp); joins the `compliance` group when another
// command made it first, else makes it.
void add_compliance_notices_command(CLI::App& app);
// audit agreement ID@VERSION (cmd_audit_agreement.cpp); joins the `audit` group
void add_audit_agreement_command(CLI::App& app);
// agreements dry-run, added to the `agreements` group by add_agreement_commands
// (cmd_agreements_dry_run.cpp)
void add_agreement_dry_run_command(CLI::App& group);
// receipt sign (cmd_receipt.cpp)
void add_receipt_commands(CLI::App& app);

}  // namespace accord::cli
