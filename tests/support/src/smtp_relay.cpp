#include "accord/testing/smtp_relay.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "accord/testing/wait_until.hpp"

namespace accord::testing {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool ieq(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string find_header(const std::vector<std::pair<std::string, std::string>>& headers,
                        const std::string& name) {
  for (const auto& [n, v] : headers) {
    if (ieq(n, name)) return v;
  }
  return {};
}

// "Name: value" lines up to the first empty line (continuation lines unfolded); returns the
// offset of what follows the empty line.
std::size_t read_headers(const std::string& text, std::size_t pos,
                         std::vector<std::pair<std::string, std::string>>& out) {
  while (pos < text.size()) {
    auto end = text.find("\r\n", pos);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(pos, end - pos);
    pos = end + 2;
    if (line.empty()) break;
    if ((line[0] == ' ' || line[0] == '\t') && !out.empty()) {
      out.back().second += " " + line.substr(line.find_first_not_of(" \t"));
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    auto value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    out.emplace_back(line.substr(0, colon), value);
  }
  return pos;
}

std::string base64_decode(const std::string& in) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : in) {
    const auto v = kAlphabet.find(c);
    if (v == std::string::npos) continue;  // CR, LF, '=' padding
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

}  // namespace

std::string MailPart::header(const std::string& name) const {
  return find_header(headers, name);
}
std::string ParsedMail::header(const std::string& name) const {
  return find_header(headers, name);
}
std::size_t ParsedMail::count(const std::string& name) const {
  std::size_t n = 0;
  for (const auto& h : headers) n += ieq(h.first, name) ? 1 : 0;
  return n;
}

ParsedMail parse_mail(const std::string& raw) {
  ParsedMail mail;
  const std::size_t body_at = read_headers(raw, 0, mail.headers);
  const std::string type = mail.header("Content-Type");
  const auto b = type.find("boundary=");
  if (b == std::string::npos) return mail;
  std::string boundary = type.substr(b + 9);
  boundary = boundary.substr(0, boundary.find(';'));
  if (boundary.starts_with("\"")) boundary = boundary.substr(1, boundary.size() - 2);
  const std::string delimiter = "--" + boundary;
  std::size_t pos = raw.find(delimiter, body_at);
  while (pos != std::string::npos) {
    pos += delimiter.size();
    if (raw.compare(pos, 2, "--") == 0) break;  // the closing delimiter
    pos += 2;                                   // CRLF after the delimiter
    const auto next = raw.find("\r\n" + delimiter, pos);
    if (next == std::string::npos) break;
    MailPart part;
    const std::size_t content_at = read_headers(raw, pos, part.headers);
    part.body = raw.substr(content_at, next - content_at);
    if (ieq(part.header("Content-Transfer-Encoding"), "base64")) {
      part.body = base64_decode(part.body);
    }
    mail.parts.push_back(std::move(part));
    pos = next + 2;
  }
  return mail;
}

std::string smtp_relay_script() {
  const char* env = std::getenv("ACCORD_SOURCE_DIR");
  const std::string source = env != nullptr && *env != '\0' ? env : ACCORD_DEFAULT_SOURCE_DIR;
  return source + "/tests/support/smtp_relay.py";
}

SmtpRelay::SmtpRelay(Options options) {
  std::vector<std::string> args = {"/usr/bin/python3", smtp_relay_script(), "--dir", dir_.path(),
                                   "--cert",           options.cert,        "--key", options.key,
                                   "--mode",           options.mode};
  if (!options.client_ca.empty()) args.insert(args.end(), {"--client-ca", options.client_ca});
  if (!options.auth.empty()) args.insert(args.end(), {"--auth", options.auth});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log = dir_.file("relay.log");
  pid_ = fork();
  if (pid_ == 0) {
    if (FILE* f = std::fopen(log.c_str(), "w")) {
      dup2(fileno(f), 1);
      dup2(fileno(f), 2);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  const std::string port_file = dir_.file("port");
  // A hang guard only: the relay is up in well under a second.
  if (!wait_until([&] { return std::filesystem::exists(port_file); }, std::chrono::seconds(30))) {
    error_ = "the SMTP relay did not start: " + read_all(log);
    return;
  }
  port_ = static_cast<std::uint16_t>(std::stoi(read_all(port_file)));
}

SmtpRelay::~SmtpRelay() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  waitpid(pid_, nullptr, 0);
}

void SmtpRelay::set_reply(const std::string& address, const std::string& reply) {
  replies_.emplace_back(address, reply);
  const std::string tmp = dir_.file("rules.tmp");
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (const auto& [a, r] : replies_) out << a << " " << r << "\n";
  }
  std::filesystem::rename(tmp, dir_.file("rules"));
}

void SmtpRelay::clear_replies() {
  replies_.clear();
  std::error_code ignored;
  std::filesystem::remove(dir_.file("rules"), ignored);
}

std::vector<SmtpRelay::Mail> SmtpRelay::mails() const {
  std::vector<Mail> out;
  for (int n = 1;; ++n) {
    const std::string base = dir_.file("msg-" + std::to_string(n));
    if (!std::filesystem::exists(base + ".json")) break;
    out.push_back({read_all(base + ".eml"), read_all(base + ".json")});
  }
  return out;
}

std::vector<std::string> SmtpRelay::commands() const {
  std::vector<std::string> out;
  std::ifstream in(dir_.file("commands.log"));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

}  // namespace accord::testing
