// /metrics families the gateway computes at each scrape from state other components keep:
// agreement dates, the delivery workers' counters and the adapter ports' (docs/operations.md,
// "Metrics").
#pragma once

#include <prometheus/metric_family.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "accord/adapters/registry.hpp"
#include "accord/app/gateway.hpp"
#include "accord/delivery/worker.hpp"

namespace accord::app {

// accord_agreement_expiry_seconds / _review_seconds per active agreement, and
// accord_agreement_notice_seconds.
std::vector<prometheus::MetricFamily> agreement_families(const std::vector<AgreementDates>& dates,
                                                         std::int64_t now_ms, int notice_days);

// accord_delivery_*{recipient} from each push recipient's worker.
std::vector<prometheus::MetricFamily> delivery_families(
    const std::map<std::string, delivery::WorkerStats>& workers);

// accord_spool_backend{backend} (1: which backend this gateway runs on), accord_storage_ready
// (1 ready, 0 while the spool answers storage_unavailable: /healthz's verdict) and
// accord_storage_unavailable_total (storage_unavailable answers from the spool).
std::vector<prometheus::MetricFamily> storage_families(const std::string& backend, bool ready,
                                                       std::int64_t unavailable_answers);

// accord_retention_purged_total (copies whose payload the retention purge dropped) and
// accord_retention_extracts_deleted_total (file-drop files it deleted), since start.
std::vector<prometheus::MetricFamily> retention_families(std::int64_t purged,
                                                         std::int64_t extracts_deleted);

// accord_flow_copies_total / accord_flow_refusals_total{sender,recipient,agreement}: copies
// stored and recipients refused since start (agreement "-" when none covers the route).
std::vector<prometheus::MetricFamily> flow_families(const std::vector<api::FlowCount>& counts);

// One family per value an adapter port reports (accord_zmq_*).
std::vector<prometheus::MetricFamily> port_families(
    const std::vector<adapters::PortMetric>& values);

}  // namespace accord::app
