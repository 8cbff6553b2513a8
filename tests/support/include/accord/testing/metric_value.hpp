// Reads one sample from a prometheus-cpp registry: the counter or gauge of `family` whose
// labels are exactly `labels`. nullopt when no such family or label set exists yet.
#pragma once

#include <prometheus/registry.h>

#include <map>
#include <optional>
#include <string>

namespace accord::testing {

std::optional<double> metric_value(const prometheus::Registry& registry, const std::string& family,
                                   const std::map<std::string, std::string>& labels = {});

}  // namespace accord::testing
