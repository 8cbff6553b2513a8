#include "accord/testing/pg_cluster.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "accord/testing/temp_dir.hpp"

namespace accord::testing {
namespace fs = std::filesystem;
namespace {

constexpr const char* kStandbyName = "standby1";
constexpr auto kServerWait = std::chrono::seconds(60);

std::string bin_dir() {
  const char* dir = std::getenv("ACCORD_PG_BINDIR");
  return dir != nullptr && *dir != '\0' ? dir : "/usr/lib/postgresql/15/bin";
}

// The account the servers run as: PostgreSQL refuses root.
struct RunAs {
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

std::optional<RunAs> run_as() {
  if (::geteuid() != 0) return RunAs{};
  for (const char* name : {"postgres", "nobody"}) {
    if (const passwd* pw = ::getpwnam(name)) return RunAs{true, pw->pw_uid, pw->pw_gid};
  }
  return std::nullopt;
}

// A free loopback port: bound to 0, read back, released. PostgreSQL cannot take port 0, so a
// race with another process is possible; start() retries with new ports.
std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  std::uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

bool port_open(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const bool open = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return open;
}

std::string tail_of(const std::string& path, std::size_t bytes = 2000) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  return text.size() > bytes ? "..." + text.substr(text.size() - bytes) : text;
}

void append_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::app);
  out << text;
}

// Runs a PostgreSQL tool as `user`, output appended to `log`; the exit status (-1: not run).
int run_tool(const RunAs& user, const std::vector<std::string>& argv, const std::string& log) {
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    const int null_in = ::open("/dev/null", O_RDONLY);
    if (null_in >= 0) ::dup2(null_in, 0);
    if (user.switch_user) {
      if (::setgroups(0, nullptr) != 0 || ::setgid(user.gid) != 0 || ::setuid(user.uid) != 0) {
        ::_exit(126);
      }
    }
    ::setenv("LC_ALL", "C", 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string uri_for(const std::vector<std::uint16_t>& ports, const std::string& db,
                    bool read_write) {
  std::string hosts;
  for (auto p : ports) {
    if (!hosts.empty()) hosts += ",";
    hosts += "127.0.0.1:" + std::to_string(p);
  }
  std::string uri = "postgresql://postgres@" + hosts + "/" + db + "?connect_timeout=5";
  if (read_write) uri += "&target_session_attrs=read-write";
  return uri;
}

// One query on a fresh connection; the first value of the first row ("" when none).
Result<std::string> run_query(const std::string& uri, const std::string& sql) {
  PGconn* conn = PQconnectdb(uri.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    return make_error("storage_unavailable", "connect " + uri + ": " + message);
  }
  PGresult* r = PQexec(conn, sql.c_str());
  const auto status = PQresultStatus(r);
  Result<std::string> out = std::string();
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    out = make_error("storage_unavailable", sql + ": " + PQresultErrorMessage(r));
  } else if (status == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0)) {
    out = std::string(PQgetvalue(r, 0, 0));
  }
  PQclear(r);
  PQfinish(conn);
  return out;
}

bool poll_until(const std::function<bool()>& done, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace

struct PgCluster::Impl {
  RunAs user;
  TempDir dir{"accord-pg-"};
  struct Server {
    std::string data;  // data directory
    std::string log;   // server log
    std::uint16_t port = 0;
    bool running = false;
  };
  Server primary;
  std::optional<Server> standby;
  bool synchronous = true;

  std::string tool(const char* name) const { return bin_dir() + "/" + name; }
  std::string tools_log() const { return dir.file("tools.log"); }

  Error failure(const std::string& what, const Server& s) const {
    return make_error("unavailable", what + "\n--- " + s.log + " ---\n" + tail_of(s.log) +
                                         "\n--- tools.log ---\n" + tail_of(tools_log()));
  }

  Status start_server(Server& s) {
    const int rc = run_tool(user,
                            {tool("pg_ctl"), "-D", s.data, "-l", s.log, "-w", "-t",
                             std::to_string(kServerWait.count()), "start"},
                            tools_log());
    if (rc != 0) return failure("pg_ctl start " + s.data + " exited " + std::to_string(rc), s);
    s.running = true;
    return Status::Ok();
  }

  void stop_server(Server& s) {
    if (!s.running) return;
    (void)run_tool(user, {tool("pg_ctl"), "-D", s.data, "-m", "immediate", "-w", "stop"},
                   tools_log());
    kill_postmaster(s);
    s.running = false;
  }

  // SIGKILL the postmaster named in postmaster.pid (if any) and wait for its port to close.
  void kill_postmaster(Server& s) {
    std::ifstream pidfile(s.data + "/postmaster.pid");
    long pid = 0;
    if (pidfile >> pid && pid > 0) ::kill(static_cast<pid_t>(pid), SIGKILL);
    poll_until([&] { return !port_open(s.port); }, std::chrono::seconds(10));
    s.running = false;
  }

  std::string server_conf(std::uint16_t port) const {
    std::string conf;
    conf += "\n# accord test cluster\n";
    conf += "listen_addresses = '127.0.0.1'\n";
    conf += "port = " + std::to_string(port) + "\n";
    conf += "unix_socket_directories = '" + dir.path() + "'\n";
    conf += "wal_level = replica\nmax_wal_senders = 5\nhot_standby = on\n";
    conf += "wal_keep_size = '128MB'\nshared_buffers = '32MB'\nmax_connections = 200\n";
    conf += "synchronous_commit = on\nfsync = on\n";
    conf += "logging_collector = off\nlog_min_messages = warning\n";
    return conf;
  }

  Status init_primary() {
    primary.data = dir.file("primary");
    primary.log = dir.file("primary.log");
    primary.port = free_port();
    if (run_tool(user,
                 {tool("initdb"), "-D", primary.data, "-U", "postgres", "--auth=trust",
                  "--locale=C", "-E", "UTF8", "--no-sync", "--no-instructions"},
                 tools_log()) != 0) {
      return failure("initdb failed", primary);
    }
    // synchronous_standby_names is set once the standby streams (enable_sync): before that
    // every commit, CREATE DATABASE included, would wait for a standby that is not there.
    append_file(primary.data + "/postgresql.conf", server_conf(primary.port));
    std::ofstream hba(primary.data + "/pg_hba.conf", std::ios::trunc);
    hba << "local all all trust\n"
           "host all all 127.0.0.1/32 trust\n"
           "local replication all trust\n"
           "host replication all 127.0.0.1/32 trust\n";
    hba.close();
    if (auto s = start_server(primary); !s.ok()) return s;
    auto made = run_query(uri_for({primary.port}, "postgres", false), "CREATE DATABASE accord");
    if (!made.ok()) return failure(made.error().message, primary);
    return Status::Ok();
  }

  Status init_standby() {
    Server s;
    s.data = dir.file("standby");
    s.log = dir.file("standby.log");
    s.port = free_port();
    if (run_tool(
            user,
            {tool("pg_basebackup"), "-h", "127.0.0.1", "-p", std::to_string(primary.port), "-U",
             "postgres", "-D", s.data, "-X", "stream", "-R", "--checkpoint=fast", "--no-sync"},
            tools_log()) != 0) {
      return failure("pg_basebackup failed", s);
    }
    // postgresql.auto.conf is read last: these lines win over the copied primary settings.
    append_file(s.data + "/postgresql.auto.conf",
                "port = " + std::to_string(s.port) +
                    "\nprimary_conninfo = 'host=127.0.0.1 port=" + std::to_string(primary.port) +
                    " user=postgres application_name=" + kStandbyName + "'\n");
    standby = s;
    if (auto st = start_server(*standby); !st.ok()) return st;
    if (synchronous) {
      const std::string uri = uri_for({primary.port}, "postgres", false);
      for (const std::string& sql :
           {"ALTER SYSTEM SET synchronous_standby_names = '" + std::string(kStandbyName) + "'",
            std::string("SELECT pg_reload_conf()")}) {
        if (auto r = run_query(uri, sql); !r.ok()) return failure(r.error().message, primary);
      }
    }
    return wait_streaming();
  }

  Status wait_streaming() {
    const std::string want = synchronous ? "sync" : "async";
    const bool ok = poll_until(
        [&] {
          auto state = run_query(uri_for({primary.port}, "postgres", false),
                                 "SELECT sync_state FROM pg_stat_replication WHERE "
                                 "application_name = '" +
                                     std::string(kStandbyName) + "'");
          return state.ok() && *state == want;
        },
        kServerWait);
    if (!ok) return failure("the standby did not stream as '" + want + "'", *standby);
    return Status::Ok();
  }

  ~Impl() {
    if (standby) stop_server(*standby);
    stop_server(primary);
  }
};

PgCluster::PgCluster(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PgCluster::~PgCluster() = default;

Result<std::unique_ptr<PgCluster>> PgCluster::start(const PgClusterOptions& options) {
  if (::access((bin_dir() + "/initdb").c_str(), X_OK) != 0) {
    return make_error("unavailable", "PostgreSQL binaries not found in " + bin_dir() +
                                         " (install postgresql-15: scripts/install-deps.sh, "
                                         "or set ACCORD_PG_BINDIR)");
  }
  auto user = run_as();
  if (!user) return make_error("unavailable", "running as root and no 'postgres' or 'nobody'");
  Error last = make_error("unavailable", "not started");
  // Ports are picked before the servers bind them: another process may take one meanwhile.
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto impl = std::make_unique<Impl>();
    impl->user = *user;
    impl->synchronous = options.standby && options.synchronous;
    if (user->switch_user && ::chown(impl->dir.path().c_str(), user->uid, user->gid) != 0) {
      return make_error("unavailable", "cannot hand " + impl->dir.path() + " to the server user");
    }
    Status s = impl->init_primary();
    if (s.ok() && options.standby) s = impl->init_standby();
    if (s.ok()) return std::unique_ptr<PgCluster>(new PgCluster(std::move(impl)));
    last = s.error();
  }
  return last;
}

std::string PgCluster::uri(const std::string& db) const {
  std::vector<std::uint16_t> ports{impl_->primary.port};
  if (impl_->standby) ports.push_back(impl_->standby->port);
  return uri_for(ports, db, true);
}

std::string PgCluster::primary_uri(const std::string& db) const {
  return uri_for({impl_->primary.port}, db, false);
}

std::string PgCluster::standby_uri(const std::string& db) const {
  return impl_->standby ? uri_for({impl_->standby->port}, db, false) : std::string();
}

std::uint16_t PgCluster::primary_port() const {
  return impl_->primary.port;
}
std::uint16_t PgCluster::standby_port() const {
  return impl_->standby ? impl_->standby->port : 0;
}
bool PgCluster::has_standby() const {
  return impl_->standby.has_value();
}
const std::string& PgCluster::directory() const {
  return impl_->dir.path();
}

Result<std::string> PgCluster::create_database(const std::string& name) {
  auto made = run_query(primary_uri("postgres"), "CREATE DATABASE \"" + name + "\"");
  if (!made.ok()) return made.error();
  return uri(name);
}

Result<std::string> PgCluster::query(const std::string& sql, const std::string& db) const {
  return run_query(primary_uri(db), sql);
}

Status PgCluster::kill_primary() {
  impl_->kill_postmaster(impl_->primary);
  return Status::Ok();
}

Status PgCluster::promote_standby() {
  if (!impl_->standby) return make_error("unavailable", "no standby to promote");
  auto& s = *impl_->standby;
  if (run_tool(impl_->user, {impl_->tool("pg_ctl"), "-D", s.data, "-w", "promote"},
               impl_->tools_log()) != 0) {
    return impl_->failure("pg_ctl promote failed", s);
  }
  const std::string uri = uri_for({s.port}, "postgres", false);
  // The copied configuration still names a synchronous standby; without one every commit
  // would wait forever. Running unreplicated is the operator's explicit choice here.
  for (const char* sql :
       {"ALTER SYSTEM SET synchronous_standby_names = ''", "SELECT pg_reload_conf()"}) {
    if (auto r = run_query(uri, sql); !r.ok()) return impl_->failure(r.error().message, s);
  }
  if (!poll_until(
          [&] {
            auto r = run_query(uri, "SELECT pg_is_in_recovery()");
            return r.ok() && *r == "f";
          },
          kServerWait)) {
    return impl_->failure("the promoted standby stayed in recovery", s);
  }
  // The old primary is gone for good: its directory stays for the logs, nothing runs there.
  impl_->stop_server(impl_->primary);
  impl_->primary = s;
  impl_->standby.reset();
  impl_->synchronous = false;
  return Status::Ok();
}

Status PgCluster::stop_standby() {
  if (!impl_->standby) return make_error("unavailable", "no standby");
  impl_->stop_server(*impl_->standby);
  return Status::Ok();
}

Status PgCluster::start_standby() {
  if (!impl_->standby) return make_error("unavailable", "no standby");
  if (auto s = impl_->start_server(*impl_->standby); !s.ok()) return s;
  return impl_->wait_streaming();
}

Result<PgCluster*> shared_pg_cluster() {
  static std::mutex mu;
  static std::unique_ptr<PgCluster> cluster;
  static std::optional<Error> failed;
  std::lock_guard lock(mu);
  if (cluster) return cluster.get();
  if (failed) return *failed;
  auto started = PgCluster::start();
  if (!started.ok()) {
    failed = started.error();
    return *failed;
  }
  cluster = std::move(started.value());
  return cluster.get();
}

}  // namespace accord::testing
