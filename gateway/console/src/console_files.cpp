#include "accord/console/console_files.hpp"

#include <openssl/evp.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "accord/console/asset_name.hpp"
#include "accord/console/assets.hpp"

namespace accord::console {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPrefix = "/console/";

std::string quoted_sha256(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  // EVP_Digest fails only when memory runs out: nothing to answer then.
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    std::abort();
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string etag = "\"";
  for (unsigned int i = 0; i < length; ++i) {
    etag += kHex[digest[i] >> 4];
    etag += kHex[digest[i] & 0x0f];
  }
  return etag + "\"";
}

// If-None-Match: "*" or a comma-separated list of entity tags, weak ones (W/"...") compared
// by their opaque part (RFC 9110 §13.1.2: weak comparison).
bool matches(std::string_view if_none_match, std::string_view etag) {
  std::size_t start = 0;
  while (start < if_none_match.size()) {
    std::size_t end = if_none_match.find(',', start);
    if (end == std::string_view::npos) end = if_none_match.size();
    std::string_view tag = if_none_match.substr(start, end - start);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
    start = end + 1;
  }
  return false;
}

ConsoleReply redirect() {
  ConsoleReply reply;
  reply.status = 302;
  reply.headers = {{"Location", std::string(kPrefix)}, {"Cache-Control", "no-cache"}};
  return reply;
}

ConsoleReply file_reply(std::string_view name, std::string bytes, std::string etag,
                        std::string_view if_none_match) {
  ConsoleReply reply;
  reply.headers = security_headers();
  reply.headers.emplace_back("Cache-Control", "no-cache");
  reply.headers.emplace_back("ETag", etag);
  if (matches(if_none_match, etag)) {
    reply.status = 304;
    return reply;
  }
  reply.headers.emplace_back("Content-Type", std::string(content_type_for(name)));
  reply.body = std::move(bytes);
  return reply;
}

// Development mode: the file under `dir`, read now. weakly_canonical resolves symbolic links,
// so neither a name nor a link inside the directory reaches a file outside it.
Result<std::string> read_from_dir(const std::string& dir, const std::string& name) {
  std::error_code ec;
  const fs::path root = fs::weakly_canonical(dir, ec);
  if (ec) return make_error("internal", "console_dir " + dir + ": " + ec.message(), "console_dir");
  const fs::path file = fs::weakly_canonical(root / name, ec);
  const auto [root_end, file_at] =
      std::mismatch(root.begin(), root.end(), file.begin(), file.end());
  if (ec || root_end != root.end() || file_at == file.end() || !fs::is_regular_file(file, ec)) {
    return make_error("not_found", "no such console file: " + name, "target");
  }
  std::ifstream in(file, std::ios::binary);
  std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (!in.good() && !in.eof()) {
    return make_error("internal", "cannot read console file " + name + ": " + std::strerror(errno),
                      "console_dir");
  }
  return bytes;
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& security_headers() {
  static const std::vector<std::pair<std::string, std::string>> kHeaders = {
      {"Content-Security-Policy",
       "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"},
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
  };
  return kHeaders;
}

bool is_console_path(std::string_view path) {
  return path == "/" || path == "/console" || path.starts_with(kPrefix);
}

Result<ConsoleReply> console_reply(const ConsoleOptions& options, std::string_view path,
                                   std::string_view if_none_match) {
  if (!options.enabled || !is_console_path(path)) {
    return make_error("not_found", "no such endpoint: " + std::string(path), "target");
  }
  if (path == "/" || path == "/console") return redirect();
  auto name = asset_name(path.substr(kPrefix.size()));
  if (!name.ok()) return name.error();
  if (!options.dir.empty()) {
    auto bytes = read_from_dir(options.dir, *name);
    if (!bytes.ok()) return bytes.error();
    std::string etag = quoted_sha256(*bytes);
    return file_reply(*name, std::move(*bytes), std::move(etag), if_none_match);
  }
  const EmbeddedFile* file = find_embedded(*name);
  if (file == nullptr) {
    return make_error("not_found", "no such console file: " + *name, "target");
  }
  return file_reply(*name, std::string(file->bytes()), file->etag, if_none_match);
}

}  // namespace accord::console
