// One table from "what happened during the mail" to an outcome. Only a 5xx answer to a
// command about this message (MAIL, RCPT, DATA or the end of the data) is the relay judging
// the copy; a refusal anywhere else (greeting, EHLO, STARTTLS, AUTH) is about the relay or
// the gateway's settings and may succeed once an operator fixes it, so it is retried.
#include <curl/curl.h>

#include <string>

#include "accord/adapters/smtp.hpp"

namespace accord::adapters {
namespace {

bool about_the_message(const std::string& command) {
  return command == "MAIL" || command == "RCPT" || command == "DATA";
}

// The command as docs and operators know it.
std::string step_name(const SmtpTranscript& t) {
  if (t.last_command == "MAIL") return "MAIL FROM";
  if (t.last_command == "RCPT") return "RCPT TO";
  if (t.last_command == "DATA") return t.replies_after_data >= 2 ? "end of data" : "DATA";
  if (t.last_command.empty()) return "greeting";
  return t.last_command;
}

std::string reply(const SmtpTranscript& t) {
  std::string out = "SMTP " + std::to_string(t.reply_code);
  if (!t.reply_text.empty()) out += " " + t.reply_text;
  return out;
}

}  // namespace

DeliveryOutcome classify_smtp(int curl_code, const SmtpTranscript& t, const std::string& error_text,
                              std::chrono::milliseconds timeout) {
  const auto code = static_cast<CURLcode>(curl_code);
  if (code == CURLE_OK) {
    return {DeliveryStatus::delivered, "relay accepted the message: " + reply(t)};
  }
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return {DeliveryStatus::retry_later,
              step_name(t) + ": timed out after " + std::to_string(timeout.count()) + " ms"};
    case CURLE_USE_SSL_FAILED:
      // STARTTLS not offered or refused: curl stops before MAIL FROM, nothing went in clear.
      return {DeliveryStatus::retry_later,
              "STARTTLS: the relay did not start TLS (" +
                  (t.last_command == "STARTTLS" ? reply(t) : std::string("not offered")) +
                  "); nothing was sent"};
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
      return {DeliveryStatus::retry_later, "TLS: " + error_text};
    case CURLE_LOGIN_DENIED:
      return {DeliveryStatus::retry_later,
              "AUTH: the relay refused the credentials (" + reply(t) + ")"};
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
      return {DeliveryStatus::retry_later, "connect: " + error_text};
    default:
      break;
  }
  if (t.reply_code >= 500 && t.reply_code < 600 && about_the_message(t.last_command)) {
    return {DeliveryStatus::permanent_failure, step_name(t) + ": " + reply(t)};
  }
  if (t.reply_code >= 400 && t.reply_code < 600) {
    return {DeliveryStatus::retry_later, step_name(t) + ": " + reply(t)};
  }
  // A transport failure (closed connection, a reply that is not SMTP) at any step.
  return {DeliveryStatus::retry_later, step_name(t) + ": " + error_text};
}

}  // namespace accord::adapters
