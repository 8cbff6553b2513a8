#include <curl/curl.h>
#include <gtest/gtest.h>

#include "accord/adapters/smtp.hpp"

namespace accord::adapters {
namespace {

struct Row {
  const char* name;
  CURLcode code;
  SmtpTranscript transcript;
  DeliveryStatus expected;
  std::string detail;  // the whole detail
};

class SmtpOutcome : public ::testing::TestWithParam<Row> {};

TEST_P(SmtpOutcome, Classified) {
  const auto& row = GetParam();
  const auto outcome =
      classify_smtp(row.code, row.transcript, "the error text", std::chrono::milliseconds(300));
  EXPECT_EQ(outcome.status, row.expected) << outcome.detail;
  EXPECT_EQ(outcome.detail, row.detail);
  EXPECT_EQ(outcome.channel_ref, "");  // the adapter sets it, with the Message-ID it made
}

INSTANTIATE_TEST_SUITE_P(
    Rows, SmtpOutcome,
    ::testing::Values(
        Row{"accepted",
            CURLE_OK,
            {"DATA", 250, "2.0.0 Ok: queued as 1", 2},
            DeliveryStatus::delivered,
            "relay accepted the message: SMTP 250 2.0.0 Ok: queued as 1"},
        Row{"rcpt_550",
            CURLE_SEND_ERROR,
            {"RCPT", 550, "5.1.1 mailbox unknown", 0},
            DeliveryStatus::permanent_failure,
            "RCPT TO: SMTP 550 5.1.1 mailbox unknown"},
        Row{"mail_553",
            CURLE_SEND_ERROR,
            {"MAIL", 553, "5.7.1 sender refused", 0},
            DeliveryStatus::permanent_failure,
            "MAIL FROM: SMTP 553 5.7.1 sender refused"},
        Row{"end_of_data_554",
            CURLE_WEIRD_SERVER_REPLY,
            {"DATA", 554, "5.6.0 content refused", 2},
            DeliveryStatus::permanent_failure,
            "end of data: SMTP 554 5.6.0 content refused"},
        Row{"data_554",
            CURLE_SEND_ERROR,
            {"DATA", 554, "no", 1},
            DeliveryStatus::permanent_failure,
            "DATA: SMTP 554 no"},
        Row{"rcpt_450",
            CURLE_SEND_ERROR,
            {"RCPT", 450, "4.2.1 busy", 0},
            DeliveryStatus::retry_later,
            "RCPT TO: SMTP 450 4.2.1 busy"},
        Row{"end_of_data_451",
            CURLE_WEIRD_SERVER_REPLY,
            {"DATA", 451, "try later", 2},
            DeliveryStatus::retry_later,
            "end of data: SMTP 451 try later"},
        // A 5xx that is not about the message: the relay or the settings, fixable.
        Row{"greeting_554",
            CURLE_WEIRD_SERVER_REPLY,
            {"", 554, "no service", 0},
            DeliveryStatus::retry_later,
            "greeting: SMTP 554 no service"},
        Row{"ehlo_502",
            CURLE_WEIRD_SERVER_REPLY,
            {"EHLO", 502, "not implemented", 0},
            DeliveryStatus::retry_later,
            "EHLO: SMTP 502 not implemented"},
        Row{"auth_535",
            CURLE_LOGIN_DENIED,
            {"AUTH", 535, "5.7.8 bad credentials", 0},
            DeliveryStatus::retry_later,
            "AUTH: the relay refused the credentials (SMTP 535 5.7.8 bad credentials)"},
        Row{"starttls_not_offered",
            CURLE_USE_SSL_FAILED,
            {"EHLO", 250, "HELP", 0},
            DeliveryStatus::retry_later,
            "STARTTLS: the relay did not start TLS (not offered); nothing was sent"},
        Row{"starttls_454",
            CURLE_USE_SSL_FAILED,
            {"STARTTLS", 454, "4.7.0 no TLS", 0},
            DeliveryStatus::retry_later,
            "STARTTLS: the relay did not start TLS (SMTP 454 4.7.0 no TLS); nothing was sent"},
        Row{"untrusted_certificate",
            CURLE_PEER_FAILED_VERIFICATION,
            {"STARTTLS", 220, "go", 0},
            DeliveryStatus::retry_later,
            "TLS: the error text"},
        Row{"handshake",
            CURLE_SSL_CONNECT_ERROR,
            {},
            DeliveryStatus::retry_later,
            "TLS: the error text"},
        Row{"refused",
            CURLE_COULDNT_CONNECT,
            {},
            DeliveryStatus::retry_later,
            "connect: the error text"},
        Row{"timeout",
            CURLE_OPERATION_TIMEDOUT,
            {"", 0, "", 0},
            DeliveryStatus::retry_later,
            "greeting: timed out after 300 ms"},
        Row{"timeout_at_data",
            CURLE_OPERATION_TIMEDOUT,
            {"DATA", 354, "go ahead", 1},
            DeliveryStatus::retry_later,
            "DATA: timed out after 300 ms"},
        Row{"closed_after_rcpt",
            CURLE_RECV_ERROR,
            {"RCPT", 250, "OK", 0},
            DeliveryStatus::retry_later,
            "RCPT TO: the error text"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace accord::adapters
