#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>

#include "accord/adapters/smtp.hpp"
#include "accord/yaml/fields.hpp"

namespace accord::adapters {
namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// A host name (letters, digits, '-', '.') or a dotted IPv4 address: nothing a URL or a
// command line could be bent with.
bool is_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253 || host.front() == '.' || host.front() == '-') return false;
  for (char c : host) {
    if (!is_alnum(c) && c != '-' && c != '.') return false;
  }
  return true;
}

bool is_ipv6_literal(std::string_view host) {
  if (host.empty()) return false;
  for (char c : host) {
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex && c != ':' && c != '.') return false;
  }
  return host.find(':') != std::string_view::npos;
}

// A plain `local@domain` (RFC 5321 dot-atom local part, a host-name domain): no display
// name, no quotes, no spaces, no angle brackets, no CR/LF, so it is safe in MAIL FROM,
// RCPT TO and the From:/To: headers as it is.
bool is_address(std::string_view address) {
  const auto at = address.find('@');
  if (at == std::string_view::npos || at == 0 ||
      address.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  const auto local = address.substr(0, at);
  if (local.size() > 64 || local.front() == '.' || local.back() == '.') return false;
  for (char c : local) {
    if (!is_alnum(c) &&
        std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return is_host_name(address.substr(at + 1));
}

Status parse_url(const YAML::Node& node, SmtpSettings& out) {
  std::string text;
  if (auto st = yaml::read_text(node, "url", text); !st.ok()) return st;
  std::string_view rest = text;
  if (rest.starts_with("smtps://")) {
    out.implicit_tls = true;
    out.port = 465;
    rest.remove_prefix(8);
  } else if (rest.starts_with("smtp://")) {
    out.implicit_tls = false;
    out.port = 587;
    rest.remove_prefix(7);
  } else {
    return yaml::error_at(node,
                          "url must be smtps://host[:port] (implicit TLS) or smtp://host[:port] "
                          "(STARTTLS, required)");
  }
  if (rest.ends_with("/")) rest.remove_suffix(1);
  if (rest.find_first_of("/?#") != std::string_view::npos) {
    return yaml::error_at(node, "url must not have a path, query or fragment");
  }
  if (rest.find('@') != std::string_view::npos) {
    return yaml::error_at(node,
                          "url must not carry user information (use username and password_file)");
  }
  std::string_view host, port;
  bool has_port = false;
  if (rest.starts_with("[")) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return yaml::error_at(node, "url has an unclosed '['");
    host = rest.substr(1, close - 1);
    const auto after = rest.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(":")) return yaml::error_at(node, "url has no valid host");
      has_port = true;
      port = after.substr(1);
    }
    if (!is_ipv6_literal(host)) return yaml::error_at(node, "url has no valid host");
  } else {
    const auto colon = rest.find(':');
    host = rest.substr(0, colon);
    if (colon != std::string_view::npos) {
      has_port = true;
      port = rest.substr(colon + 1);
    }
    if (!is_host_name(host)) return yaml::error_at(node, "url has no valid host");
  }
  out.host = std::string(host);
  if (has_port) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value == 0 ||
        value > 65535) {
      return yaml::error_at(node, "url has an invalid port");
    }
    out.port = static_cast<std::uint16_t>(value);
  }
  return Status::Ok();
}

Status read_address(const YAML::Node& node, const std::string& name, std::string& out) {
  if (auto st = yaml::read_text(node, name, out); !st.ok()) return st;
  if (!is_address(out)) {
    return yaml::error_at(node, name + " must be a plain address local@domain (no display name)");
  }
  return Status::Ok();
}

}  // namespace

Result<SmtpSettings> parse_smtp_settings(const YAML::Node& settings, const std::string& base_dir,
                                         const TlsMaterial& tls) {
  SmtpSettings out;
  bool have_server_name = false;
  bool have_ca = false;
  std::optional<YAML::Node> credential_at;  // where a lone username or password_file is
  yaml::Handlers handlers = {
      {"type",
       [&](const YAML::Node& n) {
         std::string type;
         if (auto st = yaml::read_scalar(n, "type", type); !st.ok()) return st;
         if (type != "smtp") return Status(yaml::error_at(n, "type must be smtp"));
         return Status::Ok();
       }},
      {"url", [&](const YAML::Node& n) { return parse_url(n, out); }},
      {"from", [&](const YAML::Node& n) { return read_address(n, "from", out.from); }},
      {"to",
       [&](const YAML::Node& n) {
         if (!n.IsSequence() || n.size() == 0) {
           return Status(yaml::error_at(n, "to must be a non-empty list of addresses"));
         }
         for (const auto& entry : n) {
           std::string address;
           if (auto st = read_address(entry, "to", address); !st.ok()) return st;
           out.to.push_back(std::move(address));
         }
         return Status::Ok();
       }},
      {"ca",
       [&](const YAML::Node& n) {
         have_ca = true;
         if (auto st = yaml::read_text(n, "ca", out.ca); !st.ok()) return st;
         if (!out.ca.starts_with("-----BEGIN")) out.ca = yaml::resolve_path(base_dir, out.ca);
         return Status::Ok();
       }},
      {"server_name",
       [&](const YAML::Node& n) {
         have_server_name = true;
         if (auto st = yaml::read_text(n, "server_name", out.server_name); !st.ok()) return st;
         if (!is_host_name(out.server_name) && !is_ipv6_literal(out.server_name)) {
           return Status(yaml::error_at(n, "server_name must be a host name or an IP address"));
         }
         return Status::Ok();
       }},
      {"client_certificate",
       [&](const YAML::Node& n) {
         return yaml::read_scalar(n, "client_certificate", out.client_certificate);
       }},
      {"username",
       [&](const YAML::Node& n) {
         credential_at.emplace(n);
         if (auto st = yaml::read_text(n, "username", out.username); !st.ok()) return st;
         for (char c : out.username) {
           if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
             return Status(yaml::error_at(n, "username has a space or control character"));
           }
         }
         return Status::Ok();
       }},
      {"password_file",
       [&](const YAML::Node& n) {
         credential_at.emplace(n);
         if (auto st = yaml::read_text(n, "password_file", out.password_file); !st.ok()) return st;
         out.password_file = yaml::resolve_path(base_dir, out.password_file);
         out.password_file_at = yaml::error_at(n, "").path;
         return Status::Ok();
       }},
      {"timeout_ms",
       [&](const YAML::Node& n) { return yaml::read_millis(n, "timeout_ms", out.timeout); }},
      {"max_in_flight",
       [&](const YAML::Node& n) {
         return yaml::read_count(n, "max_in_flight", out.max_in_flight);
       }},
      {"subject",
       [&](const YAML::Node& n) {
         if (auto st = yaml::read_text(n, "subject", out.subject); !st.ok()) return st;
         if (auto problem = subject_template_problem(out.subject); !problem.empty()) {
           return Status(yaml::error_at(n, "subject " + problem));
         }
         return Status::Ok();
       }},
  };
  if (auto st = yaml::read_mapping(settings, "smtp adapter", handlers, {"url", "from", "to"});
      !st.ok()) {
    return st.error();
  }
  if (out.username.empty() != out.password_file.empty()) {
    return yaml::error_at(*credential_at,
                          "username and password_file go together: give both or neither");
  }
  if (!have_server_name) out.server_name = out.host;
  if (!have_ca) out.ca = tls.ca;
  if (out.ca.empty()) {
    return yaml::error_at(settings, "smtp adapter has no ca (and no gateway tls.ca)");
  }
  if (out.client_certificate && (tls.cert.empty() || tls.key.empty())) {
    return yaml::error_at(settings, "client_certificate needs the gateway's tls.cert and tls.key");
  }
  return out;
}

// The password lives in its own file so the config can be shared and versioned; the file
// must be private to the gateway's user, like a private key.
Status load_smtp_password(SmtpSettings& settings) {
  if (settings.password_file.empty()) return Status::Ok();
  const std::string& path = settings.password_file;
  const auto refuse = [&](const std::string& why) {
    return Status(make_error("invalid_config", "password_file '" + path + "' " + why,
                             settings.password_file_at));
  };
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0)
    return refuse(std::string("cannot be read: ") + std::strerror(errno));
  if (!S_ISREG(info.st_mode)) return refuse("is not a regular file");
  if ((info.st_mode & 077) != 0) {
    return refuse("is readable or writable by group or others (chmod 600)");
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return refuse("cannot be read");
  std::string password = text.str();
  if (password.ends_with("\n")) password.pop_back();
  if (password.ends_with("\r")) password.pop_back();
  if (password.empty()) return refuse("is empty");
  for (char c : password) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return refuse("has a control character");
  }
  settings.password = std::move(password);
  return Status::Ok();
}

}  // namespace accord::adapters
