#include <boost/url/parse.hpp>
#include <cstdint>
#include <filesystem>
#include <string_view>

#include "accord/adapters/webhook.hpp"
#include "accord/yaml/fields.hpp"

namespace accord::adapters {
namespace {

bool ieq(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// RFC 9110 token characters: anything else in a field name would let a config value
// smuggle a second header or break the request line.
bool is_token(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

// Visible ASCII, space and tab: no CR/LF (header injection), no other control characters.
bool is_field_value(std::string_view value) {
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
  }
  return true;
}

// Headers the adapter sets itself (or that framing depends on): config may not replace them.
bool reserved(std::string_view name) {
  for (std::string_view r : {"host", "content-type", "content-length", "transfer-encoding",
                             "connection", "idempotency-key", "te", "upgrade", "expect"}) {
    if (ieq(name, r)) return true;
  }
  return name.size() >= 7 && ieq(name.substr(0, 7), "accord-");
}

std::string resolve(const std::string& base_dir, const std::string& path) {
  if (path.starts_with("-----BEGIN")) return path;
  std::filesystem::path p(path);
  return (p.is_absolute() || base_dir.empty() ? p : std::filesystem::path(base_dir) / p)
      .lexically_normal()
      .string();
}

Status parse_url(const YAML::Node& node, WebhookSettings& out) {
  std::string text;
  if (auto st = yaml::read_scalar(node, "url", text); !st.ok()) return st;
  auto parsed = boost::urls::parse_uri(text);  // scheme required: always absolute
  if (!parsed)
    return yaml::error_at(node, "url is not an absolute URL: " + parsed.error().message());
  const auto& url = *parsed;
  if (url.scheme_id() != boost::urls::scheme::https) {
    return yaml::error_at(node, "url must use https (the copy holds personal data)");
  }
  if (url.has_userinfo()) return yaml::error_at(node, "url must not carry user information");
  if (url.encoded_host().empty()) return yaml::error_at(node, "url has no host");
  if (url.has_fragment()) return yaml::error_at(node, "url must not have a fragment");
  out.host = std::string(url.host_address());
  out.port = url.has_port() ? std::string(url.port()) : "443";
  if (url.has_port() && (url.port_number() == 0 || url.port().empty())) {
    return yaml::error_at(node, "url has an invalid port");
  }
  out.host_header = std::string(url.encoded_host_and_port());
  std::string target(url.encoded_path());
  if (target.empty()) target = "/";
  if (url.has_query()) target += "?" + std::string(url.encoded_query());
  out.target = std::move(target);
  return Status::Ok();
}

}  // namespace

Result<WebhookSettings> parse_webhook_settings(const YAML::Node& settings,
                                               const std::string& base_dir,
                                               const TlsMaterial& tls) {
  WebhookSettings out;
  bool have_url = false;
  bool have_server_name = false;
  bool have_ca = false;
  yaml::Handlers handlers = {
      {"type",
       [&](const YAML::Node& n) {
         std::string type;
         if (auto st = yaml::read_scalar(n, "type", type); !st.ok()) return st;
         if (type != "webhook") return Status(yaml::error_at(n, "type must be webhook"));
         return Status::Ok();
       }},
      {"url",
       [&](const YAML::Node& n) {
         have_url = true;
         return parse_url(n, out);
       }},
      {"timeout_ms",
       [&](const YAML::Node& n) { return yaml::read_millis(n, "timeout_ms", out.timeout); }},
      {"max_in_flight",
       [&](const YAML::Node& n) {
         return yaml::read_count(n, "max_in_flight", out.max_in_flight);
       }},
      {"keep_alive",
       [&](const YAML::Node& n) { return yaml::read_scalar(n, "keep_alive", out.keep_alive); }},
      {"keep_alive_idle_ms",
       [&](const YAML::Node& n) {
         return yaml::read_millis(n, "keep_alive_idle_ms", out.keep_alive_idle);
       }},
      {"server_name",
       [&](const YAML::Node& n) {
         have_server_name = true;
         if (auto st = yaml::read_scalar(n, "server_name", out.server_name); !st.ok()) return st;
         if (out.server_name.empty()) return Status(yaml::error_at(n, "server_name is empty"));
         return Status::Ok();
       }},
      {"ca",
       [&](const YAML::Node& n) {
         have_ca = true;
         if (auto st = yaml::read_scalar(n, "ca", out.ca); !st.ok()) return st;
         if (out.ca.empty()) return Status(yaml::error_at(n, "ca is empty"));
         out.ca = resolve(base_dir, out.ca);
         return Status::Ok();
       }},
      {"headers",
       [&](const YAML::Node& n) {
         if (!n.IsMap()) return Status(yaml::error_at(n, "headers must be a mapping"));
         for (const auto& entry : n) {
           std::string name, value;
           if (auto st = yaml::read_scalar(entry.first, "header name", name); !st.ok()) {
             return st;
           }
           if (auto st = yaml::read_scalar(entry.second, "header " + name, value); !st.ok()) {
             return st;
           }
           if (!is_token(name)) {
             return Status(
                 yaml::error_at(entry.first, "header name '" + name + "' is not a token"));
           }
           if (reserved(name)) {
             return Status(yaml::error_at(
                 entry.first,
                 "header '" + name + "' is set by the adapter and cannot be configured"));
           }
           if (!is_field_value(value)) {
             return Status(yaml::error_at(
                 entry.second, "header '" + name + "' has a control character in its value"));
           }
           out.headers.emplace_back(std::move(name), std::move(value));
         }
         return Status::Ok();
       }},
  };
  if (auto st = yaml::read_mapping(settings, "webhook adapter", handlers); !st.ok()) {
    return st.error();
  }
  if (!have_url) return yaml::error_at(settings, "webhook adapter needs url");
  if (!have_server_name) out.server_name = out.host;
  if (!have_ca) out.ca = tls.ca;
  if (out.ca.empty())
    return yaml::error_at(settings, "webhook adapter has no ca (and no gateway tls.ca)");
  return out;
}

}  // namespace accord::adapters
