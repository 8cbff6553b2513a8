// Real PostgreSQL servers for tests: a primary and (optionally) a streaming synchronous
// standby, made from Debian's PostgreSQL 15 binaries (/usr/lib/postgresql/15/bin, or
// ACCORD_PG_BINDIR) in a TempDir, on free loopback ports, and removed on destruction.
//
// PostgreSQL refuses to run as root: when the test runs as root the servers run as the
// `postgres` system user (created by Debian's postgresql-common), or `nobody` when that does
// not exist; the data directories are owned by that user. Authentication is `trust` on
// 127.0.0.1 only (a test cluster); the database is "accord".
//
// The standby is named "standby1" in the primary's synchronous_standby_names with
// synchronous_commit = on: a commit returns only once the standby has flushed it.
//
// Threads: one object, one thread at a time. Nothing is shared between PgCluster objects.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "accord/core/result.hpp"

namespace accord::testing {

struct PgClusterOptions {
  bool standby = true;      // start a streaming standby
  bool synchronous = true;  // name it in synchronous_standby_names (needs standby)
};

class PgCluster {
 public:
  // initdb + start the primary, pg_basebackup + start the standby, wait until the standby
  // streams (pg_stat_replication shows it as 'sync'). Errors name what failed, with the
  // server log's tail; `unavailable` when the PostgreSQL binaries are not installed.
  static Result<std::unique_ptr<PgCluster>> start(const PgClusterOptions& options = {});
  ~PgCluster();  // SIGKILLs whatever still runs (pg_ctl stop -m immediate), removes the dirs
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  // libpq URIs for database `db`:
  //   uri()          both servers, target_session_attrs=read-write: what a gateway uses; it
  //                  follows a promoted standby on reconnect.
  //   primary_uri()  the current primary only; standby_uri() the standby only.
  std::string uri(const std::string& db = "accord") const;
  std::string primary_uri(const std::string& db = "accord") const;
  std::string standby_uri(const std::string& db = "accord") const;
  std::uint16_t primary_port() const;
  std::uint16_t standby_port() const;

  // A fresh empty database on the primary (CREATE DATABASE); tests that share one cluster
  // each take their own. Returns its name's URI (multi-host, like uri()).
  Result<std::string> create_database(const std::string& name);
  // Runs SQL on the current primary (database "accord" unless `db`), returning the first
  // column of the first row as text ("" when no row).
  Result<std::string> query(const std::string& sql, const std::string& db = "accord") const;

  // Failures, for failover tests:
  Status kill_primary();     // SIGKILL the primary's postmaster, wait until its port is closed
  Status promote_standby();  // pg_ctl promote; waits until it accepts writes. The promoted
                             // server runs without a synchronous standby (an operator's choice
                             // documented in docs/operations.md); it becomes the "primary"
                             // for primary_uri()/query() and there is no standby afterwards.
  Status stop_standby();     // pg_ctl stop -m immediate on the standby
  Status start_standby();    // start it again; waits until it streams as 'sync' again
  bool has_standby() const;

  const std::string& directory() const;  // the TempDir holding data dirs and logs

 private:
  struct Impl;
  explicit PgCluster(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The shared cluster of one test binary: started on first use, stopped at exit. gtest:
// call from a test; a start failure fails that test (never skips it).
Result<PgCluster*> shared_pg_cluster();

}  // namespace accord::testing
