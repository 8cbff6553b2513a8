#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "accord/adapters/csv.hpp"
#include "accord/adapters/filedrop_inbound.hpp"
#include "row_mapper.hpp"

namespace accord::adapters {
namespace {

namespace fs = std::filesystem;
// Retry backoff is waited out on a condition variable, which waits in real time.
using Clock = std::chrono::steady_clock;

// An extract larger than this is refused whole rather than read into memory.
constexpr off_t kMaxFileBytes = 256 * 1024 * 1024;

Result<std::string> read_all(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error("unreadable", std::string("open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const int err = S_ISDIR(st.st_mode) ? EISDIR : errno;
    ::close(fd);
    return make_error("unreadable", std::string("not a regular file: ") + std::strerror(err));
  }
  if (st.st_size > kMaxFileBytes) {
    ::close(fd);
    return make_error("too_large",
                      "file is larger than " + std::to_string(kMaxFileBytes) + " bytes");
  }
  std::string out(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (true) {
    if (got == out.size()) out.resize(out.size() + 4096);  // the file may have grown
    const ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return make_error("unreadable", std::string("read: ") + std::strerror(err));
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return out;
}

std::chrono::milliseconds backoff(int attempts) {
  const auto ms = std::min<std::int64_t>(5000, std::int64_t{100} << std::min(attempts - 1, 10));
  return std::chrono::milliseconds(ms);
}

std::string report_line(std::size_t row, std::size_t line, const std::string& id,
                        const char* status, const std::string& code, const std::string& message,
                        const std::string& path = {}) {
  nlohmann::ordered_json j;
  j["row"] = row;
  j["line"] = line;
  j["id"] = id;
  j["status"] = status;
  j["code"] = code;
  j["message"] = message;
  if (!path.empty()) j["path"] = path;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A name not yet used in `dir` by a file or its report: name, then stem.1.ext, stem.2.ext...
std::string unused_name(const std::string& dir, const std::string& name) {
  auto free = [&](const std::string& n) {
    std::error_code ec;
    return !fs::exists(dir + "/" + n, ec) && !fs::exists(dir + "/" + n + ".report.jsonl", ec);
  };
  if (free(name)) return name;
  const auto dot = name.rfind('.');
  const std::string stem = dot == std::string::npos ? name : name.substr(0, dot);
  const std::string ext = dot == std::string::npos ? "" : name.substr(dot);
  for (int n = 1;; ++n) {
    std::string candidate = stem + "." + std::to_string(n) + ext;
    if (free(candidate)) return candidate;
  }
}

std::vector<std::string> regular_files(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_regular_file(type_ec)) out.push_back(it->path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

struct FiledropInbound::Item {
  std::size_t row = 0;
  std::size_t line = 0;
  std::string id;
  std::string body;
  std::optional<Error> local_error;  // refused before submission
  std::optional<SubmitReply> reply;
  int attempts = 0;
};

FiledropInbound::FiledropInbound(FiledropInboundSettings settings, std::string agency,
                                 Submitter& submitter, env::Env& env)
    : settings_(std::move(settings)),
      agency_(std::move(agency)),
      submitter_(submitter),
      env_(env) {}

FiledropInbound::~FiledropInbound() {
  stop();
}

Status FiledropInbound::check() const {
  std::error_code ec;
  if (!fs::is_directory(settings_.directory, ec)) {
    return make_error("io", "filedrop directory " + settings_.directory + " does not exist",
                      settings_.directory);
  }
  return Status::Ok();
}

Status FiledropInbound::prepare() {
  std::error_code ec;
  if (auto st = check(); !st.ok()) return st;
  for (const char* sub : {"processing", "done", "failed"}) {
    const std::string path = settings_.directory + "/" + sub;
    fs::create_directories(path, ec);
    if (ec) return make_error("io", "create " + path + ": " + ec.message(), path);
  }
  return Status::Ok();
}

Status FiledropInbound::start() {
  if (thread_.joinable()) return Status::Ok();
  if (auto st = prepare(); !st.ok()) return st;
  {
    std::lock_guard lock(mutex_);
    stop_ = false;
  }
  thread_ = std::thread([this] {
    while (!stopping()) {
      poll_once();
      std::unique_lock lock(mutex_);
      cv_.wait_for(lock, settings_.poll, [this] { return stop_; });
    }
  });
  return Status::Ok();
}

void FiledropInbound::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

Result<std::int64_t> FiledropInbound::purge(std::int64_t now_ms) {
  constexpr std::string_view kReport = ".report.jsonl";
  std::int64_t deleted = 0;
  for (const char* sub : {"done", "failed"}) {
    const std::string dir = settings_.directory + "/" + sub;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;  // never started: nothing kept
    auto mtime_ms = [](const std::string& path) -> std::optional<std::int64_t> {
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0) return std::nullopt;
      return std::int64_t{st.st_mtim.tv_sec} * 1000 + st.st_mtim.tv_nsec / 1'000'000;
    };
    auto remove = [&](const std::string& path) {
      if (::unlink(path.c_str()) == 0) {
        ++deleted;
      } else if (errno != ENOENT) {
        spdlog::warn("filedrop {}: cannot delete {} past keep_extracts: {}", agency_, path,
                     std::strerror(errno));
      }
    };
    const auto names = regular_files(dir);
    // Extracts first, each judged by its report; then reports left alone (their extract gone).
    for (const auto& name : names) {
      if (name.ends_with(kReport)) continue;
      auto end = mtime_ms(dir + "/" + name + std::string(kReport));
      if (!end) end = mtime_ms(dir + "/" + name);
      if (!end || agreements::add_duration_ms(*end, settings_.keep_extracts_duration) > now_ms) {
        continue;
      }
      remove(dir + "/" + name);
      remove(dir + "/" + name + std::string(kReport));
    }
    for (const auto& name : names) {
      if (!name.ends_with(kReport)) continue;
      const std::string path = dir + "/" + name;
      if (!fs::exists(path, ec)) continue;
      const auto end = mtime_ms(path);
      if (!end || agreements::add_duration_ms(*end, settings_.keep_extracts_duration) > now_ms) {
        continue;
      }
      remove(path);
    }
  }
  if (deleted > 0) {
    spdlog::info("filedrop {}: {} extract files past keep_extracts ({}) deleted", agency_, deleted,
                 settings_.keep_extracts);
  }
  return deleted;
}

bool FiledropInbound::stopping() const {
  std::lock_guard lock(mutex_);
  return stop_;
}

void FiledropInbound::poll_once() {
  for (const auto& name : regular_files(settings_.directory + "/processing")) {
    if (stopping()) return;
    process(name);
  }
  const char* ext = settings_.format == FiledropInboundSettings::Format::csv ? ".csv" : ".jsonl";
  for (const auto& name : regular_files(settings_.directory)) {
    if (stopping()) return;
    // Dotfiles and *.tmp are files still being written (or not meant for us).
    if (name.starts_with(".") || name.ends_with(".tmp") || !name.ends_with(ext)) continue;
    take(name);
  }
}

FiledropInbound::Take FiledropInbound::take(const std::string& name) {
  const std::string from = settings_.directory + "/" + name;
  const std::string to = settings_.directory + "/processing/" + name;
  // The rename is the claim: of two pollers only one succeeds; the other sees ENOENT. Any
  // other failure leaves the file where it is for the next poll.
  if (::rename(from.c_str(), to.c_str()) != 0) return Take::skipped;
  return process(name);
}

FiledropInbound::Take FiledropInbound::process(const std::string& name) {
  const std::string path = settings_.directory + "/processing/" + name;
  auto text = read_all(path);
  if (!text.ok()) {
    return finish(name, {report_line(0, 0, "", "refused", text.error().code, text.error().message)},
                  false);
  }
  std::vector<Item> items;
  if (settings_.format == FiledropInboundSettings::Format::csv) {
    const auto records = csv::parse(*text);
    if (records.empty()) {
      return finish(
          name, {report_line(0, 1, "", "refused", "malformed_header", "the file has no header")},
          false);
    }
    auto mapper = detail::RowMapper::from_header(settings_, records.front());
    if (!mapper.ok()) {
      return finish(name,
                    {report_line(0, records.front().line, "", "refused", mapper.error().code,
                                 mapper.error().message)},
                    false);
    }
    for (std::size_t i = 1; i < records.size(); ++i) {
      Item item;
      item.row = i;
      item.line = records[i].line;
      item.id = mapper->id(records[i]);
      auto body = mapper->envelope(records[i]);
      if (body.ok()) {
        item.body = std::move(*body);
      } else {
        item.local_error = body.error();
      }
      items.push_back(std::move(item));
    }
  } else {
    std::string_view rest(*text);
    if (rest.starts_with("\xEF\xBB\xBF")) rest.remove_prefix(3);  // a file-encoding mark
    std::size_t line = 0;
    while (!rest.empty()) {
      const auto nl = rest.find('\n');
      std::string_view one = rest.substr(0, nl);
      rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
      ++line;
      if (one.ends_with('\r')) one.remove_suffix(1);
      if (one.find_first_not_of(" \t") == std::string_view::npos) continue;
      Item item;
      item.row = items.size() + 1;
      item.line = line;
      item.body = std::string(one);
      const auto parsed = nlohmann::json::parse(item.body, nullptr, false);
      if (parsed.is_object() && parsed.contains("id") && parsed["id"].is_string()) {
        const auto id = parsed["id"].get<std::string>();
        if (detail::plausible_id(id)) item.id = id;
      }
      items.push_back(std::move(item));
    }
  }

  std::vector<std::string> report;
  if (!run_items(items, report)) return Take::interrupted;
  const bool ok = std::all_of(items.begin(), items.end(), [](const Item& item) {
    return item.reply && item.reply->status != SubmitReply::Status::refused;
  });
  return finish(name, report, ok);
}

bool FiledropInbound::run_items(std::vector<Item>& items, std::vector<std::string>& report) {
  std::deque<std::pair<std::size_t, Clock::time_point>> retries;
  std::size_t next = 0;
  std::unique_lock lock(mutex_);
  while (true) {
    if (stop_) {
      // Return only when no reply can still arrive (the callbacks reference `items`).
      cv_.wait(lock, [this] { return outstanding_ == 0; });
      return false;
    }
    const bool room = outstanding_ < settings_.max_in_flight;
    std::size_t pick = 0;
    if (!retries.empty()) {
      // A row waiting to be retried holds back the rows after it (file order).
      if (room && retries.front().second <= Clock::now()) {
        pick = retries.front().first;
        retries.pop_front();
      } else {
        if (room) {
          cv_.wait_until(lock, retries.front().second);
        } else {
          cv_.wait(lock);
        }
        continue;
      }
    } else if (next < items.size()) {
      if (items[next].local_error) {
        ++next;
        continue;
      }
      if (!room) {
        cv_.wait(lock);
        continue;
      }
      pick = next++;
    } else if (outstanding_ == 0) {
      break;
    } else {
      cv_.wait(lock);
      continue;
    }
    ++outstanding_;
    lock.unlock();  // the submitter may answer on this thread, inside submit()
    submitter_.submit(agency_, items[pick].body, [this, &items, &retries, pick](SubmitReply reply) {
      std::lock_guard guard(mutex_);
      --outstanding_;
      Item& item = items[pick];
      if (reply.status == SubmitReply::Status::refused && reply.retryable) {
        ++item.attempts;
        retries.emplace_back(pick, Clock::now() + backoff(item.attempts));
      } else {
        item.reply = std::move(reply);
      }
      cv_.notify_all();
    });
    lock.lock();
  }

  for (const auto& item : items) {
    if (item.local_error) {
      report.push_back(report_line(item.row, item.line, item.id, "refused", item.local_error->code,
                                   item.local_error->message));
      continue;
    }
    const auto& r = *item.reply;
    const char* status = r.status == SubmitReply::Status::accepted    ? "accepted"
                         : r.status == SubmitReply::Status::duplicate ? "duplicate"
                                                                      : "refused";
    report.push_back(report_line(item.row, item.line, item.id, status, r.code, r.message, r.path));
  }
  return true;
}

FiledropInbound::Take FiledropInbound::finish(const std::string& name,
                                              const std::vector<std::string>& report, bool ok) {
  const std::string dir = settings_.directory + (ok ? "/done" : "/failed");
  const std::string final_name = unused_name(dir, name);
  std::string text;
  for (const auto& line : report) text += line + "\n";
  // Report first: if we crash before the file moves, it is processed again and the report
  // rewritten; a file in done/ or failed/ always has its report.
  if (!write_file_atomically(dir, final_name + ".report.jsonl", text, true, env_).ok()) {
    return Take::interrupted;  // e.g. disk full: stays in processing/ for the next poll
  }
  const std::string from = settings_.directory + "/processing/" + name;
  const std::string to = dir + "/" + final_name;
  if (::rename(from.c_str(), to.c_str()) != 0) return Take::interrupted;
  return ok ? Take::done : Take::failed;
}

}  // namespace accord::adapters
