// The agency-facing HTTP API (docs/api.yaml): routes a request to the pipeline or the
// spool and turns outcomes into HTTP answers. Knows no sockets: the server hands it a
// parsed request and the verified peer identity.
//
//   POST /v1/messages              agency   submit a case update      202 / 200 duplicate
//   POST /v1/messages:batch        agency   {"messages":[E,...]}: each item a single submit,
//                                           one result per item (batch_submit_route.hpp) 200
//   GET  /v1/messages/{id}         agency   its own submission's delivery status  200 / 404
//   GET  /v1/inbox?max=&lease_seconds=      agency   lease a batch     200
//   POST /v1/inbox/{delivery_id}/ack        agency   acknowledge, optionally with a signed
//                                                     receipt (docs/receipts.md)  200 / 404 / 400 /
//                                                     422
//   POST /v1/inbox/ack  {"delivery_ids":[..], "receipts"?:{..}}  agency   acknowledge up to
//                                        inbox_max_batch at once, one result per id  200 / 400 /
//                                        413
//   GET  /v1/gateway-key           any verified peer   the key that signs copies  200
//   GET  /healthz                  any verified peer                  200 / 503 not ready
//   GET  /metrics                  admin or auditor                   200 Prometheus text
// An agency certificate whose id ApiOptions::known_agency does not know gets 403
// unknown_agency on every endpoint, before routing.
// Errors are {"error": {"code", "message", "path"}} (plus "details" for not_permitted).
// Thread-safe: handle() runs on many io threads at once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "accord/api/rate_limiter.hpp"
#include "accord/core/time_format.hpp"
#include "accord/governance/signing.hpp"
#include "accord/pipeline/pipeline.hpp"
#include "accord/server/http_server.hpp"
#include "accord/server/metrics.hpp"
#include "accord/spool/spool.hpp"

namespace accord::api {

using Clock = std::function<std::int64_t()>;  // milliseconds since the Unix epoch

struct ApiOptions {
  std::size_t inbox_max_batch = 100;  // copies per lease and ids per batch ack
  std::int64_t default_lease_ms = 30'000;
  std::int64_t max_lease_ms = 600'000;
  double rate_per_second = 0;  // per agency, submissions; 0 = unlimited
  double rate_burst = 100;
  std::size_t max_batch_items = 256;  // envelopes per POST /v1/messages:batch
  // Body of GET /v1/gateway-key: the gateway's Ed25519 public key that signs every copy.
  std::string gateway_key_json;
  // Whether an agency id is in the agency directory (the current one: it changes on reload).
  // An agency certificate whose id it does not know gets 403 unknown_agency on every
  // endpoint. Empty: every agency is known (tests of the routes alone). Called on io threads.
  std::function<bool(std::string_view agency)> known_agency;
  // Readiness: the storage_unavailable error while the spool cannot store (no PostgreSQL
  // primary reachable, the standby not confirming, a full disk), else nullopt. /healthz then
  // answers 503 with it and Retry-After. Empty: always ready. Called on io threads.
  std::function<std::optional<Error>()> storage_unavailable;
  // The registered agency signing keys (`*.sign.pub.json`) a receipt is verified against: the
  // current set (it changes on reload). Empty, or null: none is registered, so every receipt
  // is receipt_unknown_key. Called on io threads.
  std::function<std::shared_ptr<const governance::SignerRegistry>()> signers;
};

class ApiHandler : public server::RequestHandler {
 public:
  ApiHandler(pipeline::Pipeline& pipeline, spool::Spool& spool, server::Metrics& metrics,
             Clock clock, ApiOptions options);
  ~ApiHandler() override;

  void handle(server::Request request, server::Respond respond) override;

  // Counts a submission's outcome in accord_messages_{accepted,duplicate,refused}_total:
  // called for the HTTP API here, and by the gateway for submissions that come through
  // inbound adapters (file drop, ZeroMQ), so every channel is counted alike. Any thread.
  void count_submission(const pipeline::SubmitOutcome& outcome);

 private:
  struct Counters;
  struct BatchState;
  void submit(server::Request& request, server::Respond respond);
  void submit_batch(server::Request& request, server::Respond respond);  // batch_submit_route.cpp
  void inbox(server::Request& request, std::string_view query, server::Respond respond);
  void ack(server::Request& request, std::string_view delivery_id, server::Respond respond);
  void metrics(server::Request& request, server::Respond respond);
  void refresh_gauges();  // queue and audit gauges from the spool; before every render

  pipeline::Pipeline& pipeline_;
  spool::Spool& spool_;
  server::Metrics& metrics_;
  Clock clock_;
  ApiOptions options_;
  RateLimiter limiter_;
  std::unique_ptr<Counters> counters_;
  std::size_t refresher_ = 0;  // Metrics::add_refresher id
};

}  // namespace accord::api
