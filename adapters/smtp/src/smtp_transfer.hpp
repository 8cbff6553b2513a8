// One mail in flight and how it is built: the settings every transfer shares, the libcurl
// handle with its MIME parts, headers and recipients, and the protocol trace the outcome is
// judged from (smtp_outcome.cpp). Private to the smtp adapter.
#pragma once

#include <curl/curl.h>

#include <boost/asio/io_context.hpp>
#include <functional>
#include <string>

#include "accord/adapters/smtp.hpp"

namespace accord::adapters::smtp_detail {

struct Shared {
  SmtpSettings settings;
  TlsMaterial tls;
  std::string url;         // smtp[s]://<server_name>:<port>
  std::string connect_to;  // server_name:port:host:port when they differ
  std::string message_id_domain;
  std::function<std::int64_t()> now_ms;
  env::Env* env = nullptr;
  boost::asio::io_context* io = nullptr;
};

// One mail in flight: the easy handle and everything it points into.
struct Transfer {
  OutboundMessage message;
  OutboundAdapter::Done done;
  CURL* easy = nullptr;
  curl_mime* mime = nullptr;
  curl_slist* headers = nullptr;
  curl_slist* recipients = nullptr;
  std::string message_id_header;
  SmtpTranscript transcript;
  bool quit_sent = false;  // the trace after QUIT is not about the message
  char error[CURL_ERROR_SIZE] = {};

  ~Transfer() {
    if (easy != nullptr) curl_easy_cleanup(easy);
    if (mime != nullptr) curl_mime_free(mime);
    curl_slist_free_all(headers);
    curl_slist_free_all(recipients);
  }
};

bool is_pem(const std::string& s);

// Builds the mail and the handle. Empty when it could be built, else why not (permanent:
// the same copy would fail the same way on every attempt).
std::string prepare(const Shared& shared, Transfer& t);

}  // namespace accord::adapters::smtp_detail
