// The PostgreSQL test harness itself (tests/support pg_cluster.hpp): the failover tests rest
// on what it promises, so each promise is checked against the real servers it starts — an
// unprivileged synchronous standby, replication, a commit that waits for the standby, a
// promotion that the multi-host URI follows, and nothing left behind.
#include "accord/testing/pg_cluster.hpp"

#include <dirent.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "accord/testing/wait_until.hpp"

namespace accord::testing {
namespace {

// One connection, with the notices (WARNINGs) the server sent on it.
class Session {
 public:
  explicit Session(const std::string& uri) : conn_(PQconnectdb(uri.c_str())) {
    PQsetNoticeReceiver(
        conn_,
        [](void* self, const PGresult* r) {
          static_cast<Session*>(self)->notices_ += PQresultErrorMessage(r);
        },
        this);
  }
  ~Session() { PQfinish(conn_); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  bool connected() const { return PQstatus(conn_) == CONNECTION_OK; }
  std::string error() const { return PQerrorMessage(conn_); }
  // The first value of the first row, "" for none; "ERROR: ..." when the statement failed.
  std::string query(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    std::string out;
    const auto status = PQresultStatus(r);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      out = "ERROR: " + std::string(PQresultErrorMessage(r));
    } else if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0)) {
      out = PQgetvalue(r, 0, 0);
    }
    PQclear(r);
    return out;
  }
  const std::string& notices() const { return notices_; }
  int backend_pid() const { return PQbackendPID(conn_); }

  // A statement sent without waiting for its answer; finish() collects it.
  bool send(const std::string& sql) { return PQsendQuery(conn_, sql.c_str()) == 1; }
  // Asks the server to cancel what this session runs (as a client's timeout would).
  bool cancel() {
    PGcancel* c = PQgetCancel(conn_);
    char err[256];
    const bool ok = c != nullptr && PQcancel(c, err, sizeof err) == 1;
    PQfreeCancel(c);
    return ok;
  }
  // The sent statement's status: "OK" or "ERROR: ...". Blocks until the server answers.
  std::string finish() {
    std::string out = "OK";
    while (PGresult* r = PQgetResult(conn_)) {
      const auto status = PQresultStatus(r);
      if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        out = "ERROR: " + std::string(PQresultErrorMessage(r));
      }
      PQclear(r);
    }
    return out;
  }

 private:
  PGconn* conn_;
  std::string notices_;
};

std::string first_value(const std::string& uri, const std::string& sql) {
  Session s(uri);
  if (!s.connected()) return "ERROR: " + s.error();
  return s.query(sql);
}

std::unique_ptr<PgCluster> start_or_fail(const PgClusterOptions& options = {}) {
  auto c = PgCluster::start(options);
  if (!c.ok()) {
    ADD_FAILURE() << c.error().code << ": " << c.error().message;
    return nullptr;
  }
  return std::move(c).value();
}

std::string proc_file(pid_t pid, const char* name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after ')'.
bool alive(pid_t pid, pid_t* parent = nullptr) {
  const std::string stat = proc_file(pid, "stat");
  const auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return false;
  std::istringstream rest(stat.substr(close + 2));
  char state = 0;
  long ppid = 0;
  rest >> state >> ppid;
  if (parent != nullptr) *parent = static_cast<pid_t>(ppid);
  return state != 'Z' && state != 'X';  // a zombie no init reaped has stopped running
}

// The live processes of the servers in `directory`: each postmaster (its command line names
// its data directory there) and every process below it.
std::set<pid_t> server_processes(const std::string& directory) {
  std::vector<std::pair<pid_t, pid_t>> all;  // pid, parent
  std::set<pid_t> out;
  DIR* proc = opendir("/proc");
  while (dirent* e = proc ? readdir(proc) : nullptr) {
    const pid_t pid = static_cast<pid_t>(std::atol(e->d_name));
    pid_t parent = 0;
    if (pid <= 0 || !alive(pid, &parent)) continue;
    all.emplace_back(pid, parent);
    std::string cmdline = proc_file(pid, "cmdline");
    if (cmdline.find(directory + "/") != std::string::npos &&
        cmdline.find("postgres") != std::string::npos) {
      out.insert(pid);
    }
  }
  if (proc) closedir(proc);
  for (std::size_t before = 0; before != out.size();) {
    before = out.size();
    for (auto [pid, parent] : all) {
      if (out.count(parent)) out.insert(pid);
    }
  }
  return out;
}

// PgCluster::query()'s value, or its error's message (so a failure shows why).
std::string text(const Result<std::string>& r) {
  return r.ok() ? r.value() : "ERROR: " + r.error().message;
}

bool none_alive(const std::set<pid_t>& pids) {
  for (pid_t p : pids) {
    if (alive(p)) return false;
  }
  return true;
}

TEST(PgCluster, StartsAsAnUnprivilegedUserWithASynchronousStandby) {
  auto cluster = start_or_fail();
  ASSERT_NE(cluster, nullptr);
  ASSERT_TRUE(cluster->has_standby());
  EXPECT_EQ(
      text(cluster->query("SELECT application_name || ' ' || sync_state FROM pg_stat_replication")),
      "standby1 sync");
  EXPECT_EQ(text(cluster->query("SHOW synchronous_commit")), "on");
  EXPECT_EQ(first_value(cluster->standby_uri(), "SELECT pg_is_in_recovery()"), "t");
  // The server processes are not root's (PostgreSQL refuses root; the harness switches).
  const auto pids = server_processes(cluster->directory());
  ASSERT_GE(pids.size(), 2u) << "a postmaster each for the primary and the standby";
  for (pid_t p : pids) {
    const std::string status = proc_file(p, "status");
    const auto uid_line = status.find("\nUid:");
    if (uid_line == std::string::npos) continue;  // exited meanwhile
    EXPECT_NE(std::atol(status.c_str() + uid_line + 5), 0) << "process " << p << " runs as root";
  }
  // The data lives under the harness's own directory, owned by the server user.
  struct stat st {};
  ASSERT_EQ(::stat(cluster->directory().c_str(), &st), 0);
  EXPECT_NE(st.st_uid, 0u);
}

TEST(PgCluster, ACommitOnThePrimaryIsVisibleOnTheStandby) {
  auto cluster = start_or_fail();
  ASSERT_NE(cluster, nullptr);
  ASSERT_TRUE(cluster->query("CREATE TABLE t(v TEXT)").ok());
  ASSERT_TRUE(cluster->query("INSERT INTO t VALUES('replicated')").ok());
  // synchronous_commit = on: flushed on the standby at commit; applied (visible) just after.
  std::string seen;
  EXPECT_TRUE(wait_until(
      [&] {
        seen = first_value(cluster->standby_uri(), "SELECT v FROM t");
        return seen == "replicated";
      },
      std::chrono::seconds(30)))
      << seen;
  // The standby refuses writes: only the primary takes them.
  EXPECT_NE(first_value(cluster->standby_uri(), "INSERT INTO t VALUES('x')").find("read-only"),
            std::string::npos);
}

TEST(PgCluster, WithTheStandbyStoppedACommitWaitsAndIsNeverConfirmed) {
  auto cluster = start_or_fail();
  ASSERT_NE(cluster, nullptr);
  ASSERT_TRUE(cluster->query("CREATE TABLE t(v TEXT)").ok());
  ASSERT_TRUE(cluster->stop_standby().ok());
  Session s(cluster->primary_uri());
  ASSERT_TRUE(s.connected()) << s.error();
  // The INSERT commits locally, then waits for a standby that is not there (wait event
  // SyncRep) for as long as it takes. statement_timeout does not end that wait (PostgreSQL
  // disarms it before the commit); only a cancel does, which is what a client's own timeout
  // must send (the PostgreSQL spool's commit_timeout_ms).
  ASSERT_TRUE(s.send("INSERT INTO t VALUES('unconfirmed')"));
  const std::string waiting =
      "SELECT wait_event FROM pg_stat_activity WHERE pid = " + std::to_string(s.backend_pid());
  std::string wait_event;
  ASSERT_TRUE(wait_until(
      [&] {
        wait_event = text(cluster->query(waiting));
        return wait_event == "SyncRep";
      },
      std::chrono::seconds(30)))
      << "wait event: " << wait_event;
  ASSERT_TRUE(s.cancel());
  // The cancelled wait is no error: the commit stands locally, with a WARNING that says it
  // might not be on the standby. A client must treat the row as not acknowledged.
  EXPECT_EQ(s.finish(), "OK");
  EXPECT_NE(s.notices().find("canceling wait for synchronous replication"), std::string::npos)
      << "notices: " << s.notices();
  EXPECT_NE(s.notices().find("might not have been replicated"), std::string::npos);
  // Locally committed, so the primary shows it: the hazard the spool's design answers.
  EXPECT_EQ(s.query("SELECT count(*) FROM t"), "1");

  // Back with its standby, commits are confirmed again, without a warning.
  ASSERT_TRUE(cluster->start_standby().ok());
  Session again(cluster->primary_uri());
  EXPECT_EQ(again.query("INSERT INTO t VALUES('confirmed')"), "");
  EXPECT_EQ(again.notices(), "");
  EXPECT_EQ(text(cluster->query("SELECT sync_state FROM pg_stat_replication")), "sync");
}

TEST(PgCluster, AfterPromotionTheMultiHostUriReachesThePromotedServer) {
  auto cluster = start_or_fail();
  ASSERT_NE(cluster, nullptr);
  const std::string before = cluster->uri();  // what a gateway was configured with
  const auto standby_port = cluster->standby_port();
  ASSERT_TRUE(cluster->query("CREATE TABLE t(v TEXT)").ok());
  ASSERT_TRUE(cluster->query("INSERT INTO t VALUES('before failover')").ok());
  ASSERT_TRUE(cluster->kill_primary().ok());
  EXPECT_NE(first_value(cluster->primary_uri(), "SELECT 1"), "1") << "the primary is down";
  ASSERT_TRUE(cluster->promote_standby().ok());
  EXPECT_FALSE(cluster->has_standby());
  EXPECT_EQ(cluster->primary_port(), standby_port);
  for (const std::string& uri : {before, cluster->uri()}) {
    SCOPED_TRACE(uri);
    Session s(uri);
    ASSERT_TRUE(s.connected()) << s.error();
    EXPECT_EQ(s.query("SELECT inet_server_port()"), std::to_string(standby_port));
    EXPECT_EQ(s.query("SELECT pg_is_in_recovery()"), "f");
    EXPECT_EQ(s.query("SELECT v FROM t"), "before failover");
    EXPECT_EQ(s.query("INSERT INTO t VALUES('after')"), "");
  }
  // The killed primary's directory may stay, but nothing of it runs; destruction (below)
  // leaves nothing at all.
  const std::string dir = cluster->directory();
  const auto pids = server_processes(dir);
  cluster.reset();
  EXPECT_TRUE(wait_until([&] { return none_alive(pids); }, std::chrono::seconds(30)));
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(PgCluster, DestructionRemovesItsDirectoryAndStopsEveryServerProcess) {
  auto cluster = start_or_fail();
  ASSERT_NE(cluster, nullptr);
  const std::string dir = cluster->directory();
  Session open_session(cluster->uri());  // a backend process is running for it
  ASSERT_TRUE(open_session.connected());
  const auto pids = server_processes(dir);
  ASSERT_GE(pids.size(), 4u) << "two postmasters, their workers and our backend";
  ASSERT_TRUE(std::filesystem::exists(dir));
  cluster.reset();
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_TRUE(wait_until([&] { return none_alive(pids); }, std::chrono::seconds(30)))
      << "server processes outlived the cluster";
  EXPECT_TRUE(server_processes(dir).empty());
}

}  // namespace
}  // namespace accord::testing
