// The admin listener's API: only admin and auditor certificates reach it (agencies get 403),
// so a compromised agency system cannot reconfigure the gateway or read others' metadata.
//
//   POST /v1/admin/agreements/reload   admin           re-read agencies + agreements atomically
//   GET  /v1/admin/agreements          admin, auditor  the agreements in force and the set's hash
//   POST /v1/admin/agreements/signatures, /suspensions, /proposals
//                                      admin           governance (src/governance_routes.hpp)
//   GET  /healthz, GET /metrics        admin, auditor
//   GET  /, /console/...               admin, auditor  the web console's files (accord/console)
//   /v1/admin/audit/...                auditor         the audit log (src/audit_routes.hpp)
//   GET /v1/admin/dlq, POST .../retry  admin           dead letters (src/dlq_routes.hpp)
//   GET  /v1/admin/compliance/report   auditor         the compliance report
//   POST /v1/admin/compliance/feed     admin           send a month's oversight summary now
//                                                      (src/compliance_routes.hpp)
//   POST /v1/admin/agreements/dry-run  admin, auditor  a proposed set tried on recent traffic
//                                                      (src/dry_run_route.hpp)
//   GET  /v1/admin/whoami, /flows, /deliveries, /agreements/{id}@{version},
//        /agreements/diff              admin, auditor  what the console shows
//                                                      (src/console_api_routes.hpp)
//
// Every POST above takes Content-Type: application/json (415 unsupported_media_type otherwise,
// once the certificate may use the endpoint); the ones without parameters take an empty body
// or {}. A JSON body with a key given twice is 400 duplicate_key (json_body.hpp).
//
// The handler knows nothing about how agreements are loaded: the gateway passes hooks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accord/agreements/agreement.hpp"
#include "accord/agreements/diagnostic.hpp"
#include "accord/agreements/loader.hpp"
#include "accord/agreements/time.hpp"
#include "accord/api/compliance_query.hpp"
#include "accord/audit/event.hpp"
#include "accord/console/console_files.hpp"
#include "accord/core/result.hpp"
#include "accord/crypto/signature.hpp"
#include "accord/governance/lifecycle.hpp"
#include "accord/server/http_server.hpp"
#include "accord/server/metrics.hpp"
#include "accord/spool/spool.hpp"

namespace accord::api {

struct ReloadReport {
  std::string old_hash;  // "sha256:<hex>" of the agencies file + agreement files
  std::string new_hash;
  std::size_t agreements = 0;
  // The TLS files were re-read too (SIGHUP and the admin endpoint reload the CRL); the CRL's
  // earliest nextUpdate, Unix seconds (0: none, or revocation checking off).
  bool tls_reloaded = false;
  std::int64_t crl_next_update = 0;
  // Per version held back by governance: "met-lvws-referral v2: awaiting signatures from
  // provider.lvws" (docs/agreements.md, "Co-signed activation and the lifecycle").
  std::vector<std::string> held = {};
  bool changed() const { return old_hash != new_hash; }
};

// What a governance action left the version it named in (POST /v1/admin/agreements/
// signatures | suspensions | proposals).
struct GovernanceAnswer {
  std::string agreement;   // "id@version"
  std::string governance;  // the state: active, awaiting_signatures, suspended...
  std::vector<std::string> missing;
};

// A rendered compliance report (docs/compliance.md §5, §6).
struct ComplianceAnswer {
  std::string body;
  std::string content_type;  // application/json, text/csv or text/plain
  std::int64_t clocks = 0;   // clocks counted (the audit.read record's `returned`)
};

// What POST /v1/admin/compliance/feed did.
struct FeedAnswer {
  std::string month;
  std::string message_id;
  bool already_sent = false;
  std::vector<std::string> recipients;
};

// What one retention purge did (POST /v1/admin/retention/purge, docs/compliance.md §9).
struct RetentionPurgeReport {
  std::int64_t purged = 0;  // copies whose payload went
  std::map<std::string, std::int64_t> purged_by_recipient;
  int batches = 0;                    // spool transactions (each with its retention.purged record)
  std::int64_t extracts_deleted = 0;  // file-drop files (extracts and their reports)
};

// A proposed agreement set, parsed and validated as a reload would (the gateway's agency
// directory and vocabulary, at the given instant).
struct ProposedAgreements {
  std::vector<agreements::Agreement> agreements;
  std::vector<agreements::Diagnostic> diagnostics;  // errors and warnings
};

// A valid signature (or suspension) statement over an agreement version's text.
// Who signed a version (the governance ledger's own record of it).
using AgreementSignature = governance::SignedBy;

// One version of the agreement set the gateway has loaded (in force or held by governance).
struct AgreementVersion {
  agreements::Agreement agreement;  // as loaded: `status` is what is in force
  std::string text;                 // the file's exact bytes
  std::string content_hash;         // "sha256:<hex>" of text
  std::string governance;           // draft, awaiting_signatures, active, suspended, ...
  std::vector<AgreementSignature> signed_by;
  std::vector<std::string> missing;  // parties whose signature is missing
  std::string held_reason;           // why it does not grant, when held
};

// Copies stored and recipients refused since the gateway started, per (sender, recipient,
// agreement "id@version"); agreement "-" when none covers the route, recipient "-" for a
// refusal that named no recipient (no route at all).
struct FlowCount {
  std::string sender;
  std::string recipient;
  std::string agreement;
  std::int64_t shared = 0;
  std::int64_t refused = 0;
};

struct AgencySummary {
  std::string id;
  std::string name;
  std::string kind;
};

// What GET /v1/admin/flows is made of.
struct FlowsSnapshot {
  std::int64_t since_ms = 0;  // the gateway's start
  std::vector<AgencySummary> agencies;
  std::vector<AgreementVersion> agreements;  // the loaded set
  std::vector<FlowCount> counts;
};

// One recipient's delivery health (GET /v1/admin/deliveries).
struct RecipientDeliveries {
  std::string recipient;
  std::string adapter;  // the outbound adapter's type; "mailbox" when it collects from its inbox
  spool::QueueHealth queue;
  bool pushes = false;  // a delivery worker pushes its copies (the fields below are its own)
  bool circuit_open = false;
  std::int64_t in_flight = 0;
  std::int64_t delivered_total = 0;
  std::int64_t retried_total = 0;
  std::int64_t dead_lettered_total = 0;
};

struct AdminHooks {
  // Loads and validates a new set and swaps it in; on error the current set stays.
  std::function<Result<ReloadReport>()> reload;
  // The current set as a JSON document (agreements, hash, loaded_at).
  std::function<std::string()> describe_agreements;
  // The spool database the audit endpoints read (read-only, a connection per request);
  // empty: the audit endpoints answer 503 audit_unavailable.
  std::string audit_db_path;
  // Forces a signed checkpoint now (Spool::checkpoint); `done` may run on any thread.
  std::function<void(std::function<void(Status)>)> audit_checkpoint;
  // Dead letters (Spool::list_dead_letters / redrive); `done` may run on any thread.
  std::function<void(std::string recipient, std::size_t limit,
                     std::function<void(Result<std::vector<spool::DeadLetter>>)> done)>
      list_dead_letters;
  std::function<void(spool::RedriveRequest, std::function<void(Result<std::int64_t>)> done)>
      redrive;
  // Runs a retention purge now, `actor` the admin certificate's id; `done` on any thread.
  // Empty: POST /v1/admin/retention/purge answers 503 storage_unavailable.
  std::function<void(std::string actor, std::function<void(Result<RetentionPurgeReport>)> done)>
      retention_purge;
  // Writes audit records (Spool::record): an `audit.read` for every read of the audit log and
  // an `admin.action` for every administrative action on this listener, each naming the
  // actor's certificate (docs/audit-format.md §1). `done` may run on any thread. A read is
  // answered only once its record is durable (503 audit_unavailable otherwise). Empty:
  // nothing is recorded.
  std::function<void(std::vector<audit::Event>, std::function<void(Status)>)> record_audit;
  // The clock of those records and of an export's "exported_at" (Unix ms); empty:
  // env::system_env().
  std::function<std::int64_t()> now_ms;
  // Runs blocking work (a reload reads and validates files; an audit query reads the
  // database) on threads of its own, never on the listeners' io threads, which also serve
  // the agency listener. Empty: the work runs on the calling thread (tests of the routes).
  std::function<void(std::function<void()>)> offload;
  // The compliance tracker (docs/compliance.md §6): a fresh fold of the audit log, then the
  // report for the query (as_of unset: now), and the oversight feed of one month ("YYYY-MM").
  // Blocking: called on an offload thread. Empty: 503 compliance_unconfigured.
  std::function<Result<ComplianceAnswer>(const ComplianceQuery&)> compliance_report;
  std::function<Result<FeedAnswer>(const std::string& month)> compliance_feed;
  // Governance (src/governance_routes.hpp): a statement's JSON text (the route says which
  // kind it takes) and a proposed agreement file (name, text). Blocking: called on an
  // offload thread. Empty: 503 storage_unavailable.
  std::function<Result<GovernanceAnswer>(bool suspension, std::string_view body)> submit_statement;
  std::function<Result<GovernanceAnswer>(const std::string& file, const std::string& text)>
      propose_agreement;
  // Readiness, as ApiOptions::storage_unavailable: /healthz answers 503 with it. Empty:
  // always ready.
  std::function<std::optional<Error>()> storage_unavailable;
  // Parses and validates agreement texts against the gateway's agency directory and
  // vocabulary (POST /v1/admin/agreements/dry-run). Empty: that endpoint answers 503.
  std::function<ProposedAgreements(const std::vector<agreements::SourceText>&, agreements::Instant)>
      validate_agreements;
  // The gateway's public signing key: GET /v1/admin/audit/verification checks the stored log's
  // checkpoints against it. Empty: that endpoint answers 503 audit_unavailable.
  std::optional<crypto::GatewayPublicKey> audit_key;
  // The web console (admin_listen.console, .console_dir): on, from the embedded files, unless
  // told otherwise.
  console::ConsoleOptions console;
  // The console's reads (src/console_api_routes.hpp), blocking: called on an offload thread.
  // One version of the loaded set (nullopt: it has none), the flows map's inputs and the
  // delivery health of every recipient with copies or an outbound adapter. Empty: 503
  // storage_unavailable.
  std::function<std::optional<AgreementVersion>(const std::string& id, int version)>
      agreement_version;
  std::function<FlowsSnapshot()> flows;
  std::function<Result<std::vector<RecipientDeliveries>>()> deliveries;
};

// An event of `kind` at `at_ms` naming the actor: details actor (the id from the
// certificate's SAN URI), actor_role (admin | auditor) and actor_subject (its subject, RFC
// 2253). Callers append the kind's own details.
audit::Event actor_event(std::string_view kind, const server::PeerIdentity& actor,
                         std::int64_t at_ms);

// hooks.now_ms(), or env::system_env().now_ms().
std::int64_t admin_now_ms(const AdminHooks& hooks);

// Records an administrative action and then calls `then` (whether or not the record could be
// written: the action has happened; a failure is logged). Without a record_audit hook `then`
// runs at once.
void record_admin_action(const AdminHooks& hooks, audit::Event event, std::function<void()> then);

class AdminHandler : public server::RequestHandler {
 public:
  AdminHandler(AdminHooks hooks, server::Metrics& metrics);
  void handle(server::Request request, server::Respond respond) override;

 private:
  AdminHooks hooks_;
  server::Metrics& metrics_;
};

}  // namespace accord::api
