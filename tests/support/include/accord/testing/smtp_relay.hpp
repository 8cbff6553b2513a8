// A real SMTP relay on loopback for the smtp adapter's tests: tests/support/smtp_relay.py
// (aiosmtpd from Debian's python3-aiosmtpd) run by /usr/bin/python3 in its own TempDir.
// It presents `cert`/`key` (STARTTLS, or implicit TLS in mode "implicit"), stores every
// message it accepts, logs every MAIL/RCPT/DATA with whether the connection was encrypted,
// and answers RCPT for an address with a configured reply (set_reply) instead of 250.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "accord/testing/temp_dir.hpp"

namespace accord::testing {

class SmtpRelay {
 public:
  struct Options {
    std::string mode = "starttls";  // starttls | implicit | no-starttls | refuse-starttls
    std::string cert;               // PEM files the relay presents
    std::string key;
    std::string client_ca;  // non-empty: require a client certificate signed by this CA
    std::string auth;       // "user:password": require AUTH before MAIL
  };
  struct Mail {
    std::string raw;   // the DATA exactly as received (headers and MIME body)
    std::string info;  // JSON: mail_from, rcpt_tos, tls, client_cert, auth
  };

  explicit SmtpRelay(Options options);  // starts it and waits for its port (ok() says)
  ~SmtpRelay();                         // SIGTERM, then waits for the process
  SmtpRelay(const SmtpRelay&) = delete;
  SmtpRelay& operator=(const SmtpRelay&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  std::uint16_t port() const { return port_; }

  // RCPT TO:<address> is answered with `reply` ("550 5.1.1 unknown") until cleared.
  void set_reply(const std::string& address, const std::string& reply);
  void clear_replies();

  std::vector<Mail> mails() const;            // in arrival order
  std::vector<std::string> commands() const;  // "MAIL tls=1", "RCPT tls=0", ...

 private:
  TempDir dir_{"accord-smtp-relay-"};
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::string error_;
  std::vector<std::pair<std::string, std::string>> replies_;
};

// A received mail taken apart just enough to check it: unfolded top-level headers and, for a
// multipart body, each part's headers and content (base64 parts decoded).
struct MailPart {
  std::vector<std::pair<std::string, std::string>> headers;  // in order, names as written
  std::string body;
  std::string header(const std::string& name) const;  // case-insensitive; "" if absent
};
struct ParsedMail {
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<MailPart> parts;  // empty unless multipart
  std::string header(const std::string& name) const;
  std::size_t count(const std::string& name) const;  // how often a header occurs
};
ParsedMail parse_mail(const std::string& raw);

// Where tests/support/smtp_relay.py is: $ACCORD_SOURCE_DIR, else the tree this was built from.
std::string smtp_relay_script();

}  // namespace accord::testing
