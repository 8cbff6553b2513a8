#include <cstdint>
#include <string_view>

#include "accord/adapters/nats.hpp"
#include "accord/yaml/fields.hpp"

namespace accord::adapters {
namespace {

// TlsMaterial and settings may hold inline PEM; only paths resolve against base_dir.
std::string resolve(const std::string& base_dir, const std::string& path) {
  if (path.starts_with("-----BEGIN")) return path;
  return yaml::resolve_path(base_dir, path);
}

bool is_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// tls://host[:port] and nothing else: no user information (credentials belong in no URL),
// no path, no second server (one gateway setting names one server; NATS clusters gossip the
// others to the client).
Status parse_url(const YAML::Node& node, NatsSettings& out) {
  std::string text;
  if (auto st = yaml::read_scalar(node, "url", text); !st.ok()) return st;
  constexpr std::string_view kScheme = "tls://";
  if (!text.starts_with(kScheme)) {
    return yaml::error_at(node,
                          "url must be tls://host[:port] (the copy holds personal data; "
                          "plain nats:// is refused)");
  }
  std::string_view rest = std::string_view(text).substr(kScheme.size());
  if (rest.ends_with("/")) rest.remove_suffix(1);
  if (rest.find_first_of("@/?#, \t") != std::string_view::npos) {
    return yaml::error_at(node, "url must be tls://host[:port] with nothing else");
  }
  std::string_view host;
  std::string_view port;
  if (rest.starts_with("[")) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return yaml::error_at(node, "url has an unclosed '['");
    host = rest.substr(1, close - 1);
    const auto after = rest.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(":")) return yaml::error_at(node, "url has junk after the host");
      port = after.substr(1);
      if (port.empty()) return yaml::error_at(node, "url has an invalid port");
    }
  } else {
    const auto colon = rest.find(':');
    host = rest.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = rest.substr(colon + 1);
      if (port.empty()) return yaml::error_at(node, "url has an invalid port");
    }
  }
  if (host.empty()) return yaml::error_at(node, "url has no host");
  if (!port.empty() && (!is_digits(port) || port.size() > 5 || std::stoi(std::string(port)) == 0 ||
                        std::stoi(std::string(port)) > 65535)) {
    return yaml::error_at(node, "url has an invalid port");
  }
  out.host = std::string(host);
  const std::string authority = rest.starts_with("[") ? "[" + out.host + "]" : out.host;
  out.url = std::string(kScheme) + authority + ":" + (port.empty() ? "4222" : std::string(port));
  return Status::Ok();
}

// A subject one can publish to: dot-separated non-empty tokens of visible ASCII, no
// wildcards ('*', '>' only subscribe).
std::string subject_problem(std::string_view subject) {
  if (subject.empty()) return "is empty";
  std::size_t token = 0;
  for (char c : subject) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '.') {
      if (token == 0) return "has an empty token (a leading, trailing or double '.')";
      token = 0;
      continue;
    }
    if (u <= 0x20 || u >= 0x7f) return "has a space, control or non-ASCII character";
    if (c == '*' || c == '>') return "has a wildcard ('*' or '>'): one publishes to one subject";
    ++token;
  }
  if (token == 0) return "has an empty token (a leading, trailing or double '.')";
  return "";
}

// libnats checks the server's certificate against a DNS name only (never an IP SAN).
bool is_ip_literal(std::string_view host) {
  if (host.find(':') != std::string_view::npos) return true;
  for (char c : host) {
    if (c != '.' && (c < '0' || c > '9')) return false;
  }
  return true;
}

// JetStream stream names: no whitespace, '.', '*', '>', path separators.
bool is_stream_name(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return false;
    if (std::string_view(".*>/\\").find(c) != std::string_view::npos) return false;
  }
  return true;
}

}  // namespace

Result<NatsSettings> parse_nats_settings(const YAML::Node& settings, const std::string& recipient,
                                         const std::string& base_dir, const TlsMaterial& tls) {
  NatsSettings out;
  bool have_server_name = false;
  out.ca = tls.ca;
  out.cert = tls.cert;
  out.key = tls.key;
  YAML::Node subject_node;
  bool have_subject = false;
  YAML::Node url_node;
  auto tls_file = [&](const char* name, std::string& field) {
    return [&field, name, &base_dir](const YAML::Node& n) {
      if (auto st = yaml::read_text(n, std::string("tls.") + name, field); !st.ok()) return st;
      field = resolve(base_dir, field);
      return Status::Ok();
    };
  };
  yaml::Handlers tls_handlers = {{"ca", tls_file("ca", out.ca)},
                                 {"cert", tls_file("cert", out.cert)},
                                 {"key", tls_file("key", out.key)}};
  yaml::Handlers handlers = {
      {"type",
       [&](const YAML::Node& n) {
         std::string type;
         if (auto st = yaml::read_scalar(n, "type", type); !st.ok()) return st;
         if (type != "nats") return Status(yaml::error_at(n, "type must be nats"));
         return Status::Ok();
       }},
      {"url",
       [&](const YAML::Node& n) {
         url_node = n;
         return parse_url(n, out);
       }},
      {"subject",
       [&](const YAML::Node& n) {
         subject_node = n;
         have_subject = true;
         return yaml::read_scalar(n, "subject", out.subject);
       }},
      {"stream",
       [&](const YAML::Node& n) {
         if (auto st = yaml::read_scalar(n, "stream", out.stream); !st.ok()) return st;
         if (!is_stream_name(out.stream)) {
           return Status(yaml::error_at(
               n, "stream '" + out.stream +
                      "' is not a JetStream stream name (no spaces, '.', '*', '>', '/', '\\')"));
         }
         return Status::Ok();
       }},
      {"timeout_ms",
       [&](const YAML::Node& n) { return yaml::read_millis(n, "timeout_ms", out.timeout); }},
      {"reconnect_wait_ms",
       [&](const YAML::Node& n) {
         return yaml::read_millis(n, "reconnect_wait_ms", out.reconnect_wait);
       }},
      {"max_in_flight",
       [&](const YAML::Node& n) {
         if (auto st = yaml::read_count(n, "max_in_flight", out.max_in_flight); !st.ok()) {
           return st;
         }
         // One thread each: a bound keeps a typo from starting thousands.
         if (out.max_in_flight > 64) {
           return Status(yaml::error_at(n, "max_in_flight must be at most 64"));
         }
         return Status::Ok();
       }},
      {"server_name",
       [&](const YAML::Node& n) {
         have_server_name = true;
         return yaml::read_text(n, "server_name", out.server_name);
       }},
      {"tls",
       [&](const YAML::Node& n) {
         return yaml::read_mapping(n, "nats adapter tls", tls_handlers);
       }},
  };
  if (auto st = yaml::read_mapping(settings, "nats adapter", handlers, {"url"}); !st.ok()) {
    return st.error();
  }
  if (!have_subject) out.subject = "accord.deliver." + recipient;
  if (auto problem = subject_problem(out.subject); !problem.empty()) {
    return yaml::error_at(have_subject ? subject_node : settings,
                          "subject '" + out.subject + "' " + problem);
  }
  if (!have_server_name) {
    if (is_ip_literal(out.host)) {
      return yaml::error_at(url_node,
                            "url names an IP address: set server_name to the DNS name "
                            "the server's certificate carries");
    }
    out.server_name = out.host;
  }
  for (const auto& [name, value] : {std::pair<const char*, const std::string*>{"ca", &out.ca},
                                    {"cert", &out.cert},
                                    {"key", &out.key}}) {
    if (value->empty()) {
      return yaml::error_at(settings, std::string("nats adapter has no tls.") + name +
                                          " (and the gateway's tls has none)");
    }
  }
  return out;
}

}  // namespace accord::adapters
