#include "accord/bench/schedule.hpp"

#include <cmath>

namespace accord::bench {

Nanos due_offset(std::uint64_t seq, double rate_per_second) {
  if (!(rate_per_second > 0)) return Nanos{0};
  return Nanos{std::llround(static_cast<double>(seq) * 1e9 / rate_per_second)};
}

std::optional<Nanos> Dispatcher::measure_end() const {
  if (!plan_.duration) return std::nullopt;
  return plan_.warmup + *plan_.duration;
}

std::optional<Ticket> Dispatcher::next(Nanos now) {
  if (done()) return std::nullopt;
  Ticket t;
  t.seq = seq_.fetch_add(1, std::memory_order_relaxed);
  // Open loop: the phase follows the due time, so a worker running late cannot move a ticket
  // out of (or into) the measurement.
  t.due = plan_.rate > 0 ? due_offset(t.seq, plan_.rate) : now;
  if (const auto end = measure_end(); end && t.due >= *end) {
    stop();
    return std::nullopt;
  }
  t.measured = t.due >= plan_.warmup;
  if (t.measured && plan_.messages) {
    if (measured_.fetch_add(1, std::memory_order_relaxed) >= *plan_.messages) {
      stop();
      return std::nullopt;
    }
  }
  return t;
}

}  // namespace accord::bench
