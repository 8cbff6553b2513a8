// Polls `done` every few milliseconds until it is true or `limit` passes; returns its last
// value. For effects another thread produces (a counter, a callback); the limit only keeps
// a broken build from hanging, so make it generous and never assert on how long it took.
#pragma once

#include <chrono>
#include <functional>

namespace accord::testing {

bool wait_until(const std::function<bool()>& done,
                std::chrono::milliseconds limit = std::chrono::seconds(5));

}  // namespace accord::testing
