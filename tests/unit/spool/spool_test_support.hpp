// Helpers shared by the spool tests: a temp dir, blocking wrappers around the async API,
// and a gate that holds the writer thread so tests can build a batch deterministically.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "accord/spool/sqlite_spool.hpp"

namespace accord::spool::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = "/tmp/accord-spool-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Direct SQL on a spool file, as an operator (or an attacker) with the file would.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) ADD_FAILURE() << "open " << path;
  }
  ~RawDb() { sqlite3_close(db_); }
  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << (err ? err : "?");
    }
    sqlite3_free(err);
  }
  // Every row's columns joined with '|', rows joined with '\n'.
  std::string query(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
      return out;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
      if (!out.empty()) out += "\n";
      for (int i = 0; i < sqlite3_column_count(st); ++i) {
        if (i > 0) out += "|";
        const auto* t = sqlite3_column_text(st, i);
        out += t ? reinterpret_cast<const char*>(t) : "NULL";
      }
    }
    sqlite3_finalize(st);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

inline SqliteSpoolOptions options_for(const std::string& path) {
  SqliteSpoolOptions o;
  o.path = path;
  return o;
}

inline std::unique_ptr<Spool> open_or_die(const SqliteSpoolOptions& o) {
  auto r = open_sqlite_spool(o);
  if (!r.ok()) {
    ADD_FAILURE() << "open " << o.path << ": " << r.error().code << " " << r.error().message;
    return nullptr;
  }
  return std::move(r).value();
}

// Payload bytes include a NUL so binary-safety is exercised everywhere.
inline std::string payload_for(const std::string& id, const std::string& recipient) {
  return id + std::string(1, '\0') + recipient;
}

inline Submission make_submission(std::string id, const std::vector<std::string>& recipients,
                                  std::string sender = "police", std::string hash = "h1",
                                  std::int64_t received_at_ms = 1000) {
  Submission s;
  s.sender = std::move(sender);
  s.message_id = std::move(id);
  s.content_hash = std::move(hash);
  s.event_type = "hearing.scheduled";
  s.case_urn = "urn:accord:case:" + s.message_id;  // a case each: ordering tests set their own
  s.received_at_ms = received_at_ms;
  for (const auto& r : recipients) {
    // A decision record per copy carrying its delivery id, as the pipeline composes them.
    audit::Event decided;
    decided.kind = audit::kind::kDecisionAccepted;
    decided.at_ms = s.received_at_ms;
    decided.message_id = s.message_id;
    decided.sender = s.sender;
    decided.recipient = r;
    decided.event_type = s.event_type;
    decided.case_urn = s.case_urn;
    s.records.push_back({std::move(decided), s.copies.size()});
    Copy copy;
    copy.recipient = r;
    copy.payload = payload_for(s.message_id, r);
    s.copies.push_back(std::move(copy));
  }
  return s;
}

// The promise is shared with the handler so it outlives set_value() on the writer thread.
template <typename T>
struct Completion {
  std::shared_ptr<std::promise<T>> promise = std::make_shared<std::promise<T>>();
  auto handler() {
    return [p = promise](T r) { p->set_value(std::move(r)); };
  }
  T get() { return promise->get_future().get(); }
};

inline Result<AppendResult> append_sync(Spool& spool, Submission s) {
  Completion<Result<AppendResult>> c;
  spool.append(std::move(s), c.handler());
  return c.get();
}

inline Result<std::vector<Delivery>> lease_sync(Spool& spool, LeaseRequest req) {
  Completion<Result<std::vector<Delivery>>> c;
  spool.lease(std::move(req), c.handler());
  return c.get();
}

inline Result<AckOutcome> ack_sync(Spool& spool, AckRequest req) {
  Completion<Result<AckOutcome>> c;
  spool.ack(std::move(req), c.handler());
  return c.get();
}

template <typename Request>
Status status_sync(Spool& spool, void (Spool::*op)(Request, Spool::StatusHandler), Request req) {
  Completion<Status> c;
  (spool.*op)(std::move(req), c.handler());
  return c.get();
}

inline Status record_sync(Spool& spool, std::vector<audit::Event> events) {
  Completion<Status> c;
  spool.record(std::move(events), c.handler());
  return c.get();
}

// Holds the writer thread before its next transaction (SqliteSpoolOptions::before_batch),
// so the operations queued meanwhile form one batch. Install hook() in the options before
// opening the spool, and keep the WriterHold alive longer than the spool.
class WriterHold {
 public:
  std::function<void()> hook() {
    return [this] {
      std::unique_lock lock(mu_);
      if (!armed_) return;
      held_ = true;
      cv_.notify_all();
      cv_.wait(lock, [this] { return !armed_; });
      held_ = false;
    };
  }

 private:
  friend class WriterGate;
  std::mutex mu_;
  std::condition_variable cv_;
  bool armed_ = false;
  bool held_ = false;
};

// While it lives, the writer is held (after one no-op lease of its own is taken).
class WriterGate {
 public:
  WriterGate(Spool& spool, WriterHold& hold) : hold_(hold) {
    {
      std::lock_guard lock(hold_.mu_);
      hold_.armed_ = true;
    }
    spool.lease(LeaseRequest{"gate", 1, 1, 0}, [](Result<std::vector<Delivery>>) {});
    std::unique_lock lock(hold_.mu_);
    hold_.cv_.wait(lock, [this] { return hold_.held_; });
  }
  ~WriterGate() { open(); }
  void open() {
    {
      std::lock_guard lock(hold_.mu_);
      hold_.armed_ = false;
    }
    hold_.cv_.notify_all();
  }

 private:
  WriterHold& hold_;
};

}  // namespace accord::spool::testing
