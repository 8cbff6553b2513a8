// accord import FILE.jsonl: an agency's nightly extract or back-fill, one envelope per line,
// submitted in batches (POST /v1/messages:batch) with W batches in flight over W connections.
// Each item is exactly a single submit, so importing a file again is harmless: what went in
// before comes back 200 duplicate.
//
// stdout: one JSON line per input line, {"line", "id", "http_status", "code"} (code empty
// when accepted or duplicate), in the order the answers come. stderr: progress once a second
// and a summary. Exit 0 when every line was accepted or a duplicate, 2 when any was refused,
// 3 on a transport failure (the import stops; its report says which lines had no answer).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "accord/client/batch_submit.hpp"
#include "accord/client/gateway_api.hpp"
#include "agency_connection.hpp"
#include "commands.hpp"

namespace accord::cli {
namespace {

using nlohmann::json;

// Retryable item answers (429 rate_limited, 503 overloaded/storage_unavailable/...) are sent
// again after a pause, this many times, before they are reported as they stand.
constexpr int kRetries = 5;
constexpr auto kRetryPause = std::chrono::seconds(1);
// Below the gateway's default limits.max_batch_body_bytes (8 MiB), with room for framing.
constexpr std::size_t kMaxBatchBytes = 8 * 1024 * 1024 - 1024;

struct ImportFlags {
  ConnectionFlags connection;
  std::string file;
  int batch = 64;
  int window = 4;
};

struct Line {
  std::uint64_t number = 0;  // 1-based, as editors count
  std::string text;          // without surrounding whitespace (a CRLF's \r included)
};

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

std::string id_of(const std::string& envelope) {
  const json parsed = json::parse(envelope, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object() && parsed.contains("id") && parsed["id"].is_string()) {
    return parsed["id"].get<std::string>();
  }
  return {};
}

class Import {
 public:
  Import(const ImportFlags& flags, std::istream& in) : flags_(flags), in_(in) {}

  int run() {
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    for (int i = 0; i < flags_.window; ++i) workers.emplace_back([this] { work(); });
    std::thread progress([this, start] { report_progress(start); });
    for (auto& w : workers) w.join();
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    wake_.notify_all();
    progress.join();
    print_summary(start);
    if (transport_failed_) return client::kExitFailed;
    return refused_ > 0 ? client::kExitRefused : client::kExitOk;
  }

 private:
  // The next lines for one request: up to --batch lines that frame as objects, or one line
  // that does not (sent alone as a single submit, so the gateway judges it exactly).
  std::vector<Line> next_lines(bool& alone) {
    std::lock_guard lock(read_mu_);
    std::vector<Line> lines;
    std::size_t bytes = 0;
    alone = false;
    if (pending_) {
      if (!client::frames_as_object(pending_->text)) {
        alone = true;
        lines.push_back(std::move(*pending_));
        pending_.reset();
        return lines;
      }
      bytes += pending_->text.size() + 1;
      lines.push_back(std::move(*pending_));
      pending_.reset();
    }
    std::string text;
    while (lines.size() < static_cast<std::size_t>(flags_.batch) && !stopped_.load() &&
           std::getline(in_, text)) {
      ++line_number_;
      Line line{line_number_, trimmed(text)};
      if (line.text.empty()) continue;  // blank lines separate nothing and are not envelopes
      if (!client::frames_as_object(line.text)) {
        if (lines.empty()) {
          alone = true;
          lines.push_back(std::move(line));
        } else {
          pending_ = std::move(line);  // alone, in the next request
        }
        return lines;
      }
      if (!lines.empty() && bytes + line.text.size() + 1 > kMaxBatchBytes) {
        pending_ = std::move(line);  // starts the next batch
        return lines;
      }
      bytes += line.text.size() + 1;
      lines.push_back(std::move(line));
    }
    return lines;
  }

  void work() {
    auto c = open_client(flags_.connection);
    while (!stopped_.load()) {
      bool alone = false;
      auto lines = next_lines(alone);
      if (lines.empty()) return;
      for (int attempt = 0; !lines.empty() && !stopped_.load(); ++attempt) {
        std::vector<Line> again;
        if (alone) {
          submit_alone(*c, std::move(lines.front()), attempt < kRetries, again);
        } else {
          submit_batch(*c, std::move(lines), attempt < kRetries, again);
        }
        lines = std::move(again);
        if (!lines.empty()) std::this_thread::sleep_for(kRetryPause * (attempt + 1));
      }
    }
  }

  static bool retryable(unsigned status) { return status == 429 || status == 503; }

  void submit_batch(client::HttpsClient& c, std::vector<Line> lines, bool may_retry,
                    std::vector<Line>& again) {
    std::vector<std::string> envelopes;
    envelopes.reserve(lines.size());
    for (const auto& line : lines) envelopes.push_back(line.text);
    auto answer = client::submit_batch(c, envelopes);
    if (!answer) return transport_failure(lines, answer.error());
    if (answer->refused.status != 0) {
      // The whole batch refused (e.g. a gateway whose max_batch_body_bytes is lower): every
      // line gets the batch's answer.
      const auto code = error_code(answer->refused.body);
      for (const auto& line : lines) report(line, id_of(line.text), answer->refused.status, code);
      return;
    }
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const auto& item = answer->results[i];
      if (may_retry && retryable(item.http_status)) {
        again.push_back(std::move(lines[i]));
        continue;
      }
      report(lines[i], item.id.empty() ? id_of(lines[i].text) : item.id, item.http_status,
             item.code);
    }
  }

  void submit_alone(client::HttpsClient& c, Line line, bool may_retry, std::vector<Line>& again) {
    auto r = c.request(boost::beast::http::verb::post, "/v1/messages", line.text);
    if (!r) return transport_failure({line}, r.error());
    if (may_retry && retryable(r->status)) {
      again.push_back(std::move(line));
      return;
    }
    const json body = json::parse(r->body, nullptr, /*allow_exceptions=*/false);
    std::string id = body.is_object() && body.contains("id") && body["id"].is_string()
                         ? body["id"].get<std::string>()
                         : id_of(line.text);
    report(line, id, r->status, error_code(r->body));
  }

  static std::string error_code(const std::string& body) {
    const json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_object()) {
      const auto& code = parsed["error"]["code"];
      if (code.is_string()) return code.get<std::string>();
    }
    return {};
  }

  void transport_failure(const std::vector<Line>& lines, const Error& error) {
    {
      std::lock_guard lock(mu_);
      if (!transport_failed_) {
        std::cerr << "accord: import: no answer from gateway " << flags_.connection.gateway << " ("
                  << error.code << "): " << error.message << "; stopping\n";
      }
      transport_failed_ = true;
    }
    stopped_.store(true);
    for (const auto& line : lines) report(line, id_of(line.text), 0, "transport_" + error.code);
  }

  void report(const Line& line, const std::string& id, unsigned status, const std::string& code) {
    const bool ok = status == 202 || status == 200;
    const std::string text =
        json{{"line", line.number}, {"id", id}, {"http_status", status}, {"code", code}}.dump(
            -1, ' ', false, json::error_handler_t::replace);
    std::lock_guard lock(mu_);
    std::cout << text << "\n";
    ++answered_;
    if (status == 202) ++accepted_;
    if (status == 200) ++duplicates_;
    if (!ok) {
      if (status != 0) ++refused_;
      ++by_code_[code.empty() ? "http " + std::to_string(status) : code];
    }
  }

  void report_progress(std::chrono::steady_clock::time_point start) {
    std::unique_lock lock(mu_);
    std::uint64_t before = 0;
    while (!wake_.wait_for(lock, std::chrono::seconds(1), [this] { return done_; })) {
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::cerr << "[" << static_cast<long>(seconds) << "s] " << answered_ << " lines ("
                << answered_ - before << "/s)  accepted " << accepted_ << "  duplicate "
                << duplicates_ << "  refused " << refused_ << "\n"
                << std::flush;
      before = answered_;
    }
  }

  void print_summary(std::chrono::steady_clock::time_point start) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cerr << "import: " << answered_ << " lines in " << seconds << " s: accepted " << accepted_
              << ", duplicate " << duplicates_ << ", refused " << refused_ << "\n";
    for (const auto& [code, count] : by_code_) std::cerr << "  " << code << ": " << count << "\n";
  }

  const ImportFlags& flags_;
  std::istream& in_;
  std::mutex read_mu_;  // in_, line_number_, pending_
  std::uint64_t line_number_ = 0;
  std::optional<Line> pending_;
  std::atomic<bool> stopped_{false};
  std::mutex mu_;  // stdout, the counters, done_
  std::condition_variable wake_;
  bool done_ = false;
  bool transport_failed_ = false;
  std::uint64_t answered_ = 0, accepted_ = 0, duplicates_ = 0, refused_ = 0;
  std::map<std::string, std::uint64_t> by_code_;
};

}  // namespace

void add_import_command(CLI::App& app) {
  auto f = std::make_shared<ImportFlags>();
  CLI::App* cmd = app.add_subcommand(
      "import",
      "submit a file of envelopes, one per line (JSONL), in batches: POST /v1/messages:batch");
  cmd->add_option("FILE", f->file, "the JSONL file, or - for standard input")->required();
  cmd->add_option("--batch", f->batch, "envelopes per request")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--window", f->window, "batches in flight, each on its own connection")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  add_connection_options(cmd, f->connection);
  cmd->footer(
      "Each line, without its surrounding whitespace, is one envelope, submitted exactly as a\n"
      "single POST /v1/messages of those bytes (a line that is not one JSON object is sent\n"
      "alone as one); blank lines are skipped. Items answered 429 or 503 are sent again up to\n"
      "5 times. stdout: one JSON line per input line {line, id, http_status, code}; stderr:\n"
      "progress once a second and a summary. Exit 0 when every line was accepted or a\n"
      "duplicate, 2 when any was refused, 3 on a transport failure (the import stops there;\n"
      "run it again: what went in comes back duplicate), 1 on bad arguments or files.");
  cmd->callback([f] {
    std::ifstream file;
    std::istream* in = &std::cin;
    if (f->file != "-") {
      file.open(f->file, std::ios::binary);
      if (!file) fail_local("cannot read '" + f->file + "': no such file or not readable");
      in = &file;
    }
    // Fail on bad flags or certificate files before any line is read.
    (void)open_client(f->connection);
    Import import(*f, *in);
    if (const int code = import.run(); code != client::kExitOk) finish(code);
  });
}

}  // namespace accord::cli
