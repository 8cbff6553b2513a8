// Blocking wrappers around the spool's asynchronous calls: each waits for its handler.
#pragma once

#include <future>
#include <memory>
#include <utility>
#include <vector>

#include "accord/spool/spool.hpp"

namespace accord::spool::calls {

template <typename T, typename Call>
T wait_for(Call call) {
  // Shared with the handler: it may run on the completion thread after we stop waiting.
  auto promise = std::make_shared<std::promise<T>>();
  auto future = promise->get_future();
  call([promise](T r) { promise->set_value(std::move(r)); });
  return future.get();
}

inline Result<AppendResult> append(Spool& spool, Submission s) {
  return wait_for<Result<AppendResult>>(
      [&](auto done) { spool.append(std::move(s), std::move(done)); });
}

inline Result<std::vector<Delivery>> lease(Spool& spool, LeaseRequest request) {
  return wait_for<Result<std::vector<Delivery>>>(
      [&](auto done) { spool.lease(std::move(request), std::move(done)); });
}

inline Result<AckOutcome> ack(Spool& spool, AckRequest request) {
  return wait_for<Result<AckOutcome>>(
      [&](auto done) { spool.ack(std::move(request), std::move(done)); });
}

inline Status record(Spool& spool, std::vector<audit::Event> events) {
  return wait_for<Status>([&](auto done) { spool.record(std::move(events), std::move(done)); });
}

}  // namespace accord::spool::calls
