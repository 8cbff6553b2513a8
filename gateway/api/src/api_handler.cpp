#include "accord/api/api_handler.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <charconv>
#include <ctime>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "accord/api/ack_batch_body.hpp"
#include "accord/api/batch_body.hpp"
#include "accord/api/inbox_query.hpp"
#include "accord/crypto/delivered_message.hpp"
#include "decimal.hpp"
#include "inbox_routes.hpp"
#include "message_status_route.hpp"
#include "receipt_ack.hpp"
#include "responses.hpp"
#include "submit_answer.hpp"

namespace accord::api {
namespace http = server::http;
using nlohmann::json;

namespace {

constexpr std::string_view kInboxPrefix = "/v1/inbox/";
constexpr std::string_view kAckSuffix = "/ack";
constexpr std::string_view kBatchAckPath = "/v1/inbox/ack";
constexpr std::string_view kMessagePrefix = "/v1/messages/";

}  // namespace

struct ApiHandler::Counters {
  prometheus::Counter& accepted;
  prometheus::Counter& duplicates;
  prometheus::Family<prometheus::Counter>& refused;
  prometheus::Counter& leased;
  prometheus::Counter& acked;
  prometheus::Family<prometheus::Gauge>& queued;
  prometheus::Family<prometheus::Gauge>& dead;
  prometheus::Gauge& audit_records;
  prometheus::Gauge& audit_sealed;
  // Recipients seen in a gauge: one that drops out of the spool's stats is set to 0, not
  // left at its last value.
  std::mutex gauges_mu;
  std::set<std::string> queued_seen, dead_seen;

  void publish(prometheus::Family<prometheus::Gauge>& family, std::set<std::string>& seen,
               const std::map<std::string, std::int64_t>& counts) {
    for (const auto& recipient : seen) {
      if (!counts.contains(recipient)) family.Add({{"recipient", recipient}}).Set(0);
    }
    for (const auto& [recipient, count] : counts) {
      family.Add({{"recipient", recipient}}).Set(static_cast<double>(count));
      seen.insert(recipient);
    }
  }

  explicit Counters(prometheus::Registry& registry)
      : accepted(prometheus::BuildCounter()
                     .Name("accord_messages_accepted_total")
                     .Help("Submissions accepted (every copy durable)")
                     .Register(registry)
                     .Add({})),
        duplicates(prometheus::BuildCounter()
                       .Name("accord_messages_duplicate_total")
                       .Help("Resubmissions answered from the dedup table")
                       .Register(registry)
                       .Add({})),
        refused(prometheus::BuildCounter()
                    .Name("accord_messages_refused_total")
                    .Help("Submissions refused, by reason code")
                    .Register(registry)),
        leased(prometheus::BuildCounter()
                   .Name("accord_inbox_leased_total")
                   .Help("Copies handed out from mailboxes")
                   .Register(registry)
                   .Add({})),
        acked(prometheus::BuildCounter()
                  .Name("accord_inbox_acked_total")
                  .Help("Copies acknowledged by recipients")
                  .Register(registry)
                  .Add({})),
        queued(prometheus::BuildGauge()
                   .Name("accord_queued_messages")
                   .Help("Copies not yet acknowledged, per recipient")
                   .Register(registry)),
        dead(prometheus::BuildGauge()
                 .Name("accord_dead_letters")
                 .Help("Copies parked as dead letters, per recipient (accord dlq)")
                 .Register(registry)),
        audit_records(prometheus::BuildGauge()
                          .Name("accord_audit_records")
                          .Help("Audit records written (the last seq)")
                          .Register(registry)
                          .Add({})),
        audit_sealed(prometheus::BuildGauge()
                         .Name("accord_audit_sealed_records")
                         .Help("Audit records covered by a signed checkpoint")
                         .Register(registry)
                         .Add({})) {}

  void refuse(const std::string& code) { refused.Add({{"reason", code}}).Increment(); }
};

ApiHandler::ApiHandler(pipeline::Pipeline& pipeline, spool::Spool& spool, server::Metrics& metrics,
                       Clock clock, ApiOptions options)
    : pipeline_(pipeline),
      spool_(spool),
      metrics_(metrics),
      clock_(std::move(clock)),
      options_(options),
      limiter_(options.rate_per_second, options.rate_burst),
      counters_(std::make_unique<Counters>(metrics.registry())) {
  // Every render refreshes the gauges, whichever listener serves /metrics.
  refresher_ = metrics_.add_refresher([this] { refresh_gauges(); });
}

ApiHandler::~ApiHandler() {
  metrics_.remove_refresher(refresher_);
}

void ApiHandler::count_submission(const pipeline::SubmitOutcome& outcome) {
  if (const auto* refused = std::get_if<pipeline::Refused>(&outcome)) {
    counters_->refuse(refused->error.code);
    return;
  }
  const auto& accepted = std::get<pipeline::Accepted>(outcome);
  (accepted.duplicate ? counters_->duplicates : counters_->accepted).Increment();
}

void ApiHandler::handle(server::Request request, server::Respond respond) {
  const std::string_view target = request.http.target();
  const auto question = target.find('?');
  const std::string_view path = target.substr(0, question);
  const std::string_view query =
      question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
  const auto method = request.http.method();

  auto require_method = [&](http::verb wanted) {
    if (method == wanted) return true;
    respond(method_not_allowed(request.http, path, wanted));
    return false;
  };
  auto require_agency = [&]() {
    if (request.peer.role == server::PeerRole::agency) return true;
    respond(refusal("forbidden", "this endpoint is for agency certificates; " +
                                     std::string(server::role_name(request.peer.role)) +
                                     " certificates use the admin listener"));
    return false;
  };

  // A certificate from our CA for an agency the directory does not (or no longer) list is
  // refused on every endpoint: it must not lease or ack a mailbox that happens to carry its id.
  if (request.peer.role == server::PeerRole::agency && options_.known_agency &&
      !options_.known_agency(request.peer.id)) {
    respond(refusal("unknown_agency",
                    "agency '" + request.peer.id +
                        "' is not in the gateway's agency directory; ask the operator to "
                        "add it"));
    return;
  }

  if (path == "/v1/messages") {
    if (require_method(http::verb::post) && require_agency()) submit(request, std::move(respond));
  } else if (path == kBatchSubmitPath) {
    if (require_method(http::verb::post) && require_agency())
      submit_batch(request, std::move(respond));
  } else if (path.starts_with(kMessagePrefix)) {
    if (require_method(http::verb::get) && require_agency()) {
      message_status(spool_, request, path.substr(kMessagePrefix.size()), clock_(),
                     std::move(respond));
    }
  } else if (path == "/v1/inbox") {
    if (require_method(http::verb::get) && require_agency())
      inbox(request, query, std::move(respond));
  } else if (path == kBatchAckPath) {
    if (require_method(http::verb::post) && require_agency()) {
      const auto signers = options_.signers ? options_.signers() : nullptr;
      ack_batch(spool_, signers.get(), request, clock_(), options_.inbox_max_batch,
                counters_->acked, std::move(respond));
    }
  } else if (path.starts_with(kInboxPrefix) && path.ends_with(kAckSuffix) &&
             path.size() > kInboxPrefix.size() + kAckSuffix.size()) {
    const auto id =
        path.substr(kInboxPrefix.size(), path.size() - kInboxPrefix.size() - kAckSuffix.size());
    if (require_method(http::verb::post) && require_agency()) ack(request, id, std::move(respond));
  } else if (path == "/v1/gateway-key") {
    if (require_method(http::verb::get)) respond(make_response(200, options_.gateway_key_json));
  } else if (path == "/healthz") {
    if (require_method(http::verb::get)) {
      const auto stats = spool_.stats();
      if (options_.storage_unavailable) {
        if (auto error = options_.storage_unavailable()) {
          json body = error_json(*error);
          body["status"] = "unavailable";
          body["pending_writes"] = stats.pending_operations;
          respond(refusal(*error, body));
          return;
        }
      }
      respond(make_response(
          200, json{{"status", "ok"}, {"pending_writes", stats.pending_operations}}.dump()));
    }
  } else if (path == "/metrics") {
    if (require_method(http::verb::get)) metrics(request, std::move(respond));
  } else {
    respond(refusal("not_found", "no such endpoint: " + std::string(path), "target"));
  }
}

void ApiHandler::submit(server::Request& request, server::Respond respond) {
  const std::string& sender = request.peer.id;
  if (!is_json_media(request.http[http::field::content_type])) {
    counters_->refuse("unsupported_media_type");
    respond(refusal("unsupported_media_type", "send the envelope as Content-Type: application/json",
                    "content-type"));
    return;
  }
  const std::int64_t now = clock_();
  if (const auto wait_ms = limiter_.acquire(sender, now); wait_ms > 0) {
    counters_->refuse("rate_limited");
    respond(to_response(rate_limited_answer(sender, wait_ms)));
    return;
  }

  pipeline_.submit(sender, request.http.body(), now,
                   [respond = std::move(respond), this](pipeline::SubmitOutcome outcome) {
                     count_submission(outcome);
                     respond(to_response(submit_answer(outcome)));
                   });
}

void ApiHandler::inbox(server::Request& request, std::string_view query, server::Respond respond) {
  auto parsed = parse_inbox_query(
      query, {options_.inbox_max_batch, options_.default_lease_ms, options_.max_lease_ms});
  if (!parsed.ok()) {
    respond(refusal(parsed.error()));
    return;
  }
  spool::LeaseRequest lease;
  lease.recipient = request.peer.id;
  lease.max_items = parsed->max_items;
  lease.lease_ms = parsed->lease_ms;
  lease.now_ms = clock_();
  spool_.lease(std::move(lease),
               [respond = std::move(respond), counters = counters_.get(),
                recipient = request.peer.id](Result<std::vector<spool::Delivery>> result) {
                 if (!result.ok()) {
                   respond(refusal(result.error()));
                   return;
                 }
                 // The stored payload is the delivered document, a JSON object {"envelope": ...,
                 // "signature": ...} built by the pipeline: its members are spliced in, not
                 // re-parsed, by the same builder the push adapters' items come from.
                 std::string body = "{\"messages\":[";
                 bool first = true;
                 for (const auto& d : result.value()) {
                   if (!first) body += ',';
                   body += crypto::delivered_item(
                       {d.delivery_id, d.sender, recipient, d.message_id, d.event_type, d.case_urn,
                        d.received_at_ms, d.attempts, d.lease_expires_at_ms},
                       d.payload);
                   first = false;
                 }
                 body += "]}";
                 counters->leased.Increment(static_cast<double>(result.value().size()));
                 respond(make_response(200, std::move(body)));
               });
}

void ApiHandler::ack(server::Request& request, std::string_view delivery_id,
                     server::Respond respond) {
  const auto id = parse_count(delivery_id, kIdDigits);
  if (!id || *id == 0) {
    respond(refusal("not_found", "no delivery '" + std::string(delivery_id) + "' in your inbox",
                    "delivery_id"));
    return;
  }
  auto body = parse_ack_body(request.http.body());
  if (body.refused) {
    respond(error_response(body.refused->status, body.refused->error));
    return;
  }
  const auto signers = options_.signers ? options_.signers() : nullptr;
  ack_copy(
      spool_, signers.get(), request.peer.id, *id, body.receipt ? &*body.receipt : nullptr,
      "receipt", clock_(),
      [respond = std::move(respond), counters = counters_.get(),
       id_text = std::to_string(*id)](Result<CopyAck> result) {
        if (!result.ok()) {
          respond(refusal(result.error()));
          return;
        }
        switch (result.value().kind) {
          case CopyAck::Kind::not_found:
            respond(
                refusal("not_found", "no delivery '" + id_text + "' in your inbox", "delivery_id"));
            return;
          case CopyAck::Kind::refused:
            respond(refusal(result.value().refusal));
            return;
          case CopyAck::Kind::acked:
            counters->acked.Increment();
            break;
          case CopyAck::Kind::already_acked:
            break;
        }
        const bool fresh = result.value().kind == CopyAck::Kind::acked;
        respond(make_response(
            200,
            json{{"delivery_id", id_text}, {"status", fresh ? "acked" : "already_acked"}}.dump()));
      });
}

void ApiHandler::metrics(server::Request& request, server::Respond respond) {
  if (request.peer.role == server::PeerRole::agency) {
    respond(refusal("forbidden", "metrics need an admin or auditor certificate"));
    return;
  }
  respond(make_response(200, metrics_.render(), "text/plain; version=0.0.4"));
}

void ApiHandler::refresh_gauges() {
  const auto stats = spool_.stats();
  {
    std::lock_guard lock(counters_->gauges_mu);
    counters_->publish(counters_->queued, counters_->queued_seen, stats.queued_by_recipient);
    counters_->publish(counters_->dead, counters_->dead_seen, stats.dead_by_recipient);
  }
  counters_->audit_records.Set(static_cast<double>(stats.audit_seq));
  counters_->audit_sealed.Set(static_cast<double>(stats.audit_sealed_seq));
}

}  // namespace accord::api
