#include "manifest.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <utility>

namespace accord::spool::detail {
namespace {

std::string errno_text() {
  return std::strerror(errno);
}

}  // namespace

std::string manifest_path(const std::string& db_path) {
  return db_path + ".manifest";
}

std::string lock_path(const std::string& db_path) {
  return db_path + ".lock";
}

Result<std::optional<Manifest>> read_manifest(env::Env& env, const std::string& path) {
  auto text = env.read_file(path);
  if (!text.ok()) {
    if (text.error().code == "not_found") return std::optional<Manifest>();
    return make_error("corrupt",
                      "cannot read the spool manifest " + path + ": " + text.error().message, path);
  }
  const auto json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  auto bad = [&](const std::string& why) {
    return make_error("corrupt", "the spool manifest " + path + " is unreadable: " + why, path);
  };
  if (!json.is_object()) return bad("not a JSON object");
  if (json.value("format", "") != kManifestFormat)
    return bad("format is not " + std::string(kManifestFormat));
  Manifest m;
  struct Field {
    const char* name;
    std::int64_t* target;
  };
  for (const Field f :
       {Field{"audit_seq", &m.audit_seq}, Field{"sealed_seq", &m.sealed_seq},
        Field{"submissions", &m.submissions}, Field{"last_delivery_id", &m.last_delivery_id},
        Field{"written_at_ms", &m.written_at_ms}}) {
    const auto it = json.find(f.name);
    if (it == json.end() || !it->is_number_integer() || it->get<std::int64_t>() < 0) {
      return bad(std::string(f.name) + " is missing or not a non-negative integer");
    }
    *f.target = it->get<std::int64_t>();
  }
  const auto head = json.find("audit_head");
  if (head == json.end() || !head->is_string()) return bad("audit_head is missing");
  m.audit_head = head->get<std::string>();
  if (!(m.audit_head.empty() || m.audit_head.size() == 64)) {
    return bad("audit_head is not 64 hex digits");
  }
  m.clean_shutdown = json.value("clean_shutdown", false);
  return std::optional<Manifest>(std::move(m));
}

Status write_manifest(env::Env& env, const std::string& path, const Manifest& m) {
  const nlohmann::json json = {
      {"format", kManifestFormat},        {"audit_seq", m.audit_seq},
      {"audit_head", m.audit_head},       {"sealed_seq", m.sealed_seq},
      {"submissions", m.submissions},     {"last_delivery_id", m.last_delivery_id},
      {"written_at_ms", m.written_at_ms}, {"clean_shutdown", m.clean_shutdown}};
  if (auto s = env.replace_file(path, json.dump() + "\n", 0600); !s.ok()) {
    return make_error("storage_unavailable", s.error().message, path);
  }
  return Status::Ok();
}

std::vector<std::string> shortfalls(const Manifest& expected, const Manifest& found,
                                    const std::string& chain_at_expected) {
  std::vector<std::string> out;
  if (found.audit_seq < expected.audit_seq) {
    out.push_back("audit records " + std::to_string(found.audit_seq + 1) + ".." +
                  std::to_string(expected.audit_seq) + " are missing (the database ends at " +
                  std::to_string(found.audit_seq) + ")");
  } else if (expected.audit_seq > 0 && chain_at_expected != expected.audit_head) {
    out.push_back("the audit chain at record " + std::to_string(expected.audit_seq) +
                  " differs from the manifest's head (another or a rewritten log)");
  }
  if (found.sealed_seq < expected.sealed_seq) {
    out.push_back("the signed checkpoint at record " + std::to_string(expected.sealed_seq) +
                  " is missing (the last one found seals " + std::to_string(found.sealed_seq) +
                  ")");
  }
  if (found.submissions < expected.submissions) {
    out.push_back(std::to_string(expected.submissions - found.submissions) +
                  " stored submissions are missing (" + std::to_string(found.submissions) +
                  " found, " + std::to_string(expected.submissions) + " expected)");
  }
  if (found.last_delivery_id < expected.last_delivery_id) {
    out.push_back("delivery ids " + std::to_string(found.last_delivery_id + 1) + ".." +
                  std::to_string(expected.last_delivery_id) + " are missing");
  }
  return out;
}

Result<FileLock> FileLock::acquire(const std::string& path) {
  FileLock lock;
  lock.fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock.fd_ < 0) {
    return make_error("storage_unavailable",
                      "cannot open the spool lock " + path + ": " + errno_text(), path);
  }
  if (::flock(lock.fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return make_error("spool_locked",
                        "the spool is in use by another gateway (" + path +
                            " is locked); two gateways must never share one spool",
                        path);
    }
    return make_error("storage_unavailable", "cannot lock " + path + ": " + errno_text(), path);
  }
  return lock;
}

FileLock::FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

Status make_private(env::Env& env, const std::string& db_path) {
  // Created here, not by SQLite (which would use 0644 minus the umask). Only when absent:
  // closing a descriptor of a file drops this process's POSIX locks on it, SQLite's included.
  if (!env.file_exists(db_path)) {
    if (auto s = env.write_new_file(db_path, "", 0600);
        !s.ok() && s.error().code != "file_exists") {
      return make_error("storage_unavailable", s.error().message, db_path);
    }
  }
  for (const std::string& path : {db_path, db_path + "-wal", db_path + "-shm"}) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) continue;  // -wal/-shm absent after a clean close
    if ((st.st_mode & 077) != 0 && ::chmod(path.c_str(), 0600) != 0) {
      return make_error("storage_unavailable", "chmod 600 " + path + ": " + errno_text(), path);
    }
  }
  return Status::Ok();
}

}  // namespace accord::spool::detail
