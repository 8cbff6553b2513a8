// The smtp outbound adapter: each delivered copy is one mail handed to the recipient's relay
// over TLS (implicit TLS for smtps://, STARTTLS required for smtp://; never plain text), with
// the delivered item attached byte for byte as `<delivery id>.json` (docs/adapters.md,
// "smtp (outbound)"). Outcomes: the relay's 250 after the data delivered; a 5xx answer to
// MAIL, RCPT or DATA permanent_failure; 4xx answers, timeouts, connection, TLS and
// authentication failures retry_later.
//
// Threading: libcurl blocks, so every transfer runs on one thread the adapter owns (a
// curl_multi loop, at most max_in_flight transfers at once); deliver() only queues, and
// `done` runs on that thread. stop() cancels every queued and running transfer (its `done`
// runs with retry_later); the destructor stops and joins the thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "accord/adapters/adapter.hpp"
#include "accord/adapters/registry.hpp"
#include "accord/core/result.hpp"

namespace accord::adapters {

struct SmtpSettings {
  bool implicit_tls = false;        // smtps:// (TLS from the first byte); smtp:// is STARTTLS
  std::string host;                 // where to connect (from the URL; no brackets for IPv6)
  std::uint16_t port = 587;         // 587 for smtp://, 465 for smtps:// unless the URL names one
  std::string server_name;          // the name (or address) the relay's certificate must carry
  std::string from;                 // envelope sender (MAIL FROM) and the From: header
  std::vector<std::string> to;      // envelope recipients (RCPT TO) and the To: header
  std::string ca;                   // PEM file (or PEM text) that verifies the relay
  bool client_certificate = false;  // present the gateway's own certificate (mutual TLS)
  std::string username;             // AUTH, with the password from password_file
  std::string password_file;        // resolved path; read by load_smtp_password
  std::string password_file_at;     // its "line:col", for load_smtp_password's refusals
  std::string password;             // filled by load_smtp_password
  std::chrono::milliseconds timeout{30000};  // the whole mail: connect to the final reply
  std::size_t max_in_flight = 2;
  std::string subject = "Accord {type} {message_id}";  // a template: see render_subject
};

// Parses the adapter's YAML mapping strictly. Errors: invalid_config with path "line:col" for
// unknown keys, wrong types, a URL that is not smtp:// or smtps://, an address that is not a
// plain `local@domain`, a subject placeholder that is not an id, username without
// password_file or the reverse. Reads nothing from disk.
Result<SmtpSettings> parse_smtp_settings(const YAML::Node& settings, const std::string& base_dir,
                                         const TlsMaterial& tls);

// Reads password_file into `password` (nothing to do without one). Errors: invalid_config at
// the password_file's line:col when it cannot be read, is not a regular file, is readable or
// writable by group or others, is empty or has a control character.
Status load_smtp_password(SmtpSettings& settings);

// Whether a subject template is acceptable: printable ASCII, at most 200 characters, and
// braces only around the placeholders {type}, {message_id}, {delivery_id}, {sender} and
// {recipient}. Empty when it is, else why not.
std::string subject_template_problem(std::string_view subject);
// The template with its placeholders replaced by the copy's ids.
std::string render_subject(std::string_view subject, const OutboundMessage& message);

// What the relay said during one mail, as far as the outcome needs it: the last command
// verb sent before any QUIT (never its arguments: AUTH carries credentials) and the last
// reply to it.
struct SmtpTranscript {
  std::string last_command;    // "EHLO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA", ...
  int reply_code = 0;          // 0: no reply yet
  std::string reply_text;      // the reply line without its code; control characters removed
  int replies_after_data = 0;  // replies received since DATA was sent (354, then the final)
};

// The one place that turns a finished transfer into an outcome (docs/adapters.md table).
// `curl_code` is the CURLcode, `error_text` libcurl's error buffer (or its strerror).
DeliveryOutcome classify_smtp(int curl_code, const SmtpTranscript& transcript,
                              const std::string& error_text, std::chrono::milliseconds timeout);

// Builds the adapter: parses settings, checks the CA (and the client certificate when asked
// for) can be read. Errors: invalid_config, tls_config, invalid_argument (no io_context).
Result<std::unique_ptr<OutboundAdapter>> make_smtp_adapter(const AdapterContext& context);

// Registers type "smtp" (outbound only).
Status register_smtp(Registry& registry);

}  // namespace accord::adapters
