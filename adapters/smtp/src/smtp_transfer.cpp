// Builds one mail: the libcurl handle (TLS required, `ca` only, the trace that feeds the
// outcome), the envelope, the headers and the two MIME parts.
#include "smtp_transfer.hpp"

#include <cctype>
#include <cstdio>
#include <ctime>

namespace accord::adapters::smtp_detail {
namespace {

bool header_safe(std::string_view value) {
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) return false;
  }
  return true;
}

// RFC 5322 date-time in UTC, from the gateway clock.
std::string mail_date(std::int64_t now_ms) {
  const std::time_t seconds = static_cast<std::time_t>(now_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char out[64];
  std::snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return out;
}

std::string hex(const unsigned char* bytes, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0xf];
  }
  return out;
}

std::string body_text(const OutboundMessage& m) {
  return "Accord delivered a copy of a message to " + m.recipient +
         ".\r\n\r\n"
         "sender: " +
         m.sender + "\r\ntype: " + m.event_type + "\r\nmessage id: " + m.message_id +
         "\r\ndelivery id: " + std::to_string(m.delivery_id) +
         "\r\nattempt: " + std::to_string(m.attempt) + "\r\n\r\nThe attachment " +
         std::to_string(m.delivery_id) +
         ".json is the signed delivered item: verify and open it with `accord decrypt`. "
         "Deduplicate on the Idempotency-Key header.\r\n";
}

std::string clean_line(const char* data, std::size_t size) {
  std::string out;
  for (std::size_t i = 0; i < size && out.size() < 200; ++i) {
    const auto c = static_cast<unsigned char>(data[i]);
    if (c >= 0x20 && c < 0x7f) out += static_cast<char>(c);
  }
  return out;
}

// libcurl's protocol trace: commands out, replies in. Only the verb of a command is kept
// (AUTH carries credentials); the body (DATA_OUT) is never looked at.
int on_trace(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  auto& t = transfer.transcript;
  if (transfer.quit_sent) return 0;
  if (type == CURLINFO_HEADER_OUT) {
    std::string verb;
    for (std::size_t i = 0; i < size && data[i] != ' ' && data[i] != '\r' && verb.size() < 16;
         ++i) {
      verb += static_cast<char>(std::toupper(static_cast<unsigned char>(data[i])));
    }
    // libcurl ends a failed session with QUIT: the command that failed is the one before it.
    if (verb == "QUIT") {
      transfer.quit_sent = true;
      return 0;
    }
    t.last_command = verb;
    if (verb == "DATA") t.replies_after_data = 0;
  } else if (type == CURLINFO_HEADER_IN) {
    const std::string line = clean_line(data, size);
    // A multi-line reply ("250-...") arrives line by line; its last line ("250 ...") counts.
    if (line.size() >= 3 && std::isdigit(static_cast<unsigned char>(line[0])) &&
        (line.size() == 3 || line[3] == ' ')) {
      t.reply_code = std::stoi(line.substr(0, 3));
      t.reply_text = line.size() > 4 ? line.substr(4) : std::string();
      if (t.last_command == "DATA") ++t.replies_after_data;
    }
  }
  return 0;
}

void set_blob(CURL* easy, CURLoption option, const std::string& pem) {
  curl_blob blob{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_COPY};
  curl_easy_setopt(easy, option, &blob);
}

}  // namespace

std::string prepare(const Shared& shared, Transfer& t) {
  const auto& s = shared.settings;
  const auto& m = t.message;
  if (!header_safe(m.sender) || !header_safe(m.message_id) || !header_safe(m.event_type) ||
      !header_safe(m.recipient)) {
    return "sender, recipient, type or message id not valid in a mail header";
  }
  unsigned char random[8];
  (shared.env != nullptr ? *shared.env : env::system_env()).random_bytes(random);
  t.message_id_header = "<" + std::to_string(m.delivery_id) + "." + hex(random, sizeof random) +
                        "@" + shared.message_id_domain + ">";

  t.easy = curl_easy_init();
  if (t.easy == nullptr) return "libcurl could not make a handle";
  CURL* e = t.easy;
  curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(e, CURLOPT_URL, shared.url.c_str());
  curl_easy_setopt(e, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  curl_easy_setopt(e, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
  // Only `ca`: never the system store (a relay is trusted for what `ca` says, nothing more).
  curl_easy_setopt(e, CURLOPT_CAPATH, nullptr);
  if (is_pem(s.ca)) {
    curl_easy_setopt(e, CURLOPT_CAINFO, nullptr);
    set_blob(e, CURLOPT_CAINFO_BLOB, s.ca);
  } else {
    curl_easy_setopt(e, CURLOPT_CAINFO, s.ca.c_str());
  }
  if (s.client_certificate) {
    curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
    if (is_pem(shared.tls.cert)) {
      set_blob(e, CURLOPT_SSLCERT_BLOB, shared.tls.cert);
    } else {
      curl_easy_setopt(e, CURLOPT_SSLCERT, shared.tls.cert.c_str());
    }
    if (is_pem(shared.tls.key)) {
      set_blob(e, CURLOPT_SSLKEY_BLOB, shared.tls.key);
    } else {
      curl_easy_setopt(e, CURLOPT_SSLKEY, shared.tls.key.c_str());
    }
  }
  if (!s.username.empty()) {
    curl_easy_setopt(e, CURLOPT_USERNAME, s.username.c_str());
    curl_easy_setopt(e, CURLOPT_PASSWORD, s.password.c_str());
  }
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(s.timeout.count()));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(s.timeout.count()));
  curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);  // feeds on_trace only
  curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, on_trace);
  curl_easy_setopt(e, CURLOPT_DEBUGDATA, &t);

  curl_easy_setopt(e, CURLOPT_MAIL_FROM, ("<" + s.from + ">").c_str());
  std::string to_header;
  for (const auto& to : s.to) {
    t.recipients = curl_slist_append(t.recipients, ("<" + to + ">").c_str());
    to_header += (to_header.empty() ? "" : ", ") + to;
  }
  curl_easy_setopt(e, CURLOPT_MAIL_RCPT, t.recipients);

  const std::string subject = render_subject(s.subject, m);
  for (const std::string& h :
       {"Date: " + mail_date(shared.now_ms()), "From: " + s.from, "To: " + to_header,
        "Subject: " + subject, "Message-ID: " + t.message_id_header,
        "Accord-Message-Id: " + m.message_id,
        "Accord-Delivery-Id: " + std::to_string(m.delivery_id), "Accord-Sender: " + m.sender,
        "Accord-Attempt: " + std::to_string(m.attempt),
        "Idempotency-Key: " + m.sender + "/" + m.message_id}) {
    t.headers = curl_slist_append(t.headers, h.c_str());
  }
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.headers);

  t.mime = curl_mime_init(e);
  curl_mimepart* text = curl_mime_addpart(t.mime);
  const std::string body = body_text(m);
  curl_mime_data(text, body.data(), body.size());
  curl_mime_type(text, "text/plain; charset=us-ascii");
  curl_mime_encoder(text, "7bit");
  curl_mimepart* item = curl_mime_addpart(t.mime);
  // base64 keeps every byte as it is (a JSON item may hold CR, LF and UTF-8).
  curl_mime_data(item, m.document.data(), m.document.size());
  curl_mime_type(item, "application/json");
  curl_mime_filename(item, (std::to_string(m.delivery_id) + ".json").c_str());
  curl_mime_encoder(item, "base64");
  curl_easy_setopt(e, CURLOPT_MIMEPOST, t.mime);
  return {};
}

bool is_pem(const std::string& s) {
  return s.starts_with("-----BEGIN");
}

}  // namespace accord::adapters::smtp_detail
