#include "accord/testing/metric_value.hpp"

namespace accord::testing {

std::optional<double> metric_value(const prometheus::Registry& registry, const std::string& family,
                                   const std::map<std::string, std::string>& labels) {
  for (const auto& f : registry.Collect()) {
    if (f.name != family) continue;
    for (const auto& m : f.metric) {
      std::map<std::string, std::string> got;
      for (const auto& l : m.label) got[l.name] = l.value;
      if (got != labels) continue;
      switch (f.type) {
        case prometheus::MetricType::Counter:
          return m.counter.value;
        case prometheus::MetricType::Gauge:
          return m.gauge.value;
        default:
          return std::nullopt;
      }
    }
  }
  return std::nullopt;
}

}  // namespace accord::testing
