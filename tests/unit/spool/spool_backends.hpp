// One spool contract suite for every backend (spool.hpp): a test asks SpoolBackend::make()
// for a fresh, empty store of "sqlite" (a file in a TempDir) or "postgresql" (a database of
// its own on the test binary's shared primary + synchronous standby, tests/support
// pg_cluster.hpp), opens spools on it, and looks at what was stored through inspect(), the
// same SQL text on both (the tables mirror each other, docs/storage.md).
//
// Instantiate a contract suite with ACCORD_SPOOL_BACKENDS(Suite): the test names start with
// the backend ("sqlite/Suite.Test", "postgresql/Suite.Test"), which is how CMake keeps the
// PostgreSQL half in a ctest entry of its own (label postgres).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "accord/audit/chain.hpp"
#include "accord/spool/sqlite_spool.hpp"

namespace accord::spool::testing {

// What a contract test may set; everything else is the backend's default.
struct BackendOptions {
  AuditOptions audit;
  std::size_t max_pending = 100000;
  std::function<void()> before_batch;  // WriterHold::hook()
};

// One audit row as the verifier reads it (docs/audit-format.md §3, §4).
struct AuditRow {
  std::int64_t seq = 0;
  std::string record;
  audit::Digest chain{};
  std::optional<std::string> checkpoint;
};

class SpoolBackend {
 public:
  // A fresh empty store; nullptr (with a test failure, never a skip) when it cannot be made,
  // e.g. the PostgreSQL servers did not start.
  static std::unique_ptr<SpoolBackend> make(const std::string& name);
  virtual ~SpoolBackend() = default;

  virtual const char* name() const = 0;
  // Opens a spool on this store (again: the same data). nullptr with a test failure.
  virtual std::unique_ptr<Spool> open(const BackendOptions& options = {}) = 0;
  // Rows of a SELECT, columns joined with '|', rows with '\n', NULL as "NULL": the same text
  // for the same data on both backends, given SQL both accept.
  virtual std::string inspect(const std::string& sql) = 0;
  // Every audit record in seq order, with its checkpoint if one seals it.
  virtual std::vector<AuditRow> audit_rows() = 0;
  // Makes the store refuse the next transaction that stores a payload over `bytes` (a full
  // disk on SQLite: the database is capped at its current size; a check constraint on
  // PostgreSQL), or accept again with nullopt. `spool` is the open spool on this store.
  virtual void refuse_payloads_over(Spool& spool, std::optional<std::size_t> bytes) = 0;
  // Whether find_submission() sees committed submissions. PostgreSQL's always answers nullopt
  // (pg_spool.hpp: a row read outside the writer may be committed without the standby);
  // dedup is then decided inside append() alone.
  virtual bool probe_sees_commits() const = 0;
};

// A contract test's fixture: GetParam() is the backend name; `backend` is fresh per test.
class BackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    backend = SpoolBackend::make(GetParam());
    ASSERT_NE(backend, nullptr);
  }
  std::unique_ptr<Spool> open(const BackendOptions& options = {}) { return backend->open(options); }
  std::unique_ptr<SpoolBackend> backend;
};

}  // namespace accord::spool::testing

// The instantiations of a BackendTest suite, one per backend ("sqlite", "postgresql": the
// names SpoolBackend::make() takes), the backend first in the test's name.
#define ACCORD_SPOOL_BACKENDS(Suite)                                                 \
  INSTANTIATE_TEST_SUITE_P(sqlite, Suite, ::testing::Values(std::string("sqlite"))); \
  INSTANTIATE_TEST_SUITE_P(postgresql, Suite, ::testing::Values(std::string("postgresql")))
