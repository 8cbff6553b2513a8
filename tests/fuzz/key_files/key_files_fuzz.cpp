// libFuzzer target for every key file and signed document reader: any bytes must come back as
// a value or a refusal with a code, a message and the source named (never a crash or an
// exception); what is accepted must read back the same once written out again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "accord/audit/chain.hpp"
#include "accord/crypto/key_files.hpp"
#include "accord/crypto/signature.hpp"
#include "accord/governance/signing.hpp"

namespace {

void check_refusal(const accord::Error& error) {
  if (error.code.empty() || error.message.empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace crypto = accord::crypto;
  namespace governance = accord::governance;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto key = crypto::parse_public_key_file(text, "fuzz.pub.json"); key.ok()) {
    const auto again =
        crypto::parse_public_key_file(crypto::public_key_file_text(key.value()), "again");
    if (!again.ok() || again.value().kid != key.value().kid ||
        again.value().public_key != key.value().public_key) {
      std::abort();
    }
  } else {
    check_refusal(key.error());
    if (key.error().path != "fuzz.pub.json") std::abort();  // the file is always named
  }

  if (auto secret = crypto::parse_secret_key_file(text, "fuzz.secret.json"); !secret.ok()) {
    check_refusal(secret.error());
  }

  if (auto gateway = crypto::parse_gateway_public_key(text); gateway.ok()) {
    const auto again =
        crypto::parse_gateway_public_key(crypto::gateway_public_key_json(gateway.value()));
    if (!again.ok() || again.value().kid != gateway.value().kid) std::abort();
  } else {
    check_refusal(gateway.error());
  }

  if (auto signing = governance::parse_public_key(text, "fuzz.sign.pub.json"); signing.ok()) {
    const auto again =
        governance::parse_public_key(governance::public_key_json(signing.value()), "again");
    if (!again.ok() || again.value().kid != signing.value().kid ||
        again.value().public_key != signing.value().public_key) {
      std::abort();
    }
  } else {
    check_refusal(signing.error());
  }

  if (auto secret = governance::parse_secret_key(text, "fuzz.sign.secret.json"); !secret.ok()) {
    check_refusal(secret.error());
  }

  if (auto statement = governance::parse_statement(text, "fuzz.sig.json"); statement.ok()) {
    const auto again = governance::parse_statement(governance::to_json(statement.value()), "again");
    if (!again.ok() ||
        governance::to_json(again.value()) != governance::to_json(statement.value())) {
      std::abort();
    }
  } else {
    check_refusal(statement.error());
  }

  if (auto checkpoint = accord::audit::parse_checkpoint(text); checkpoint.ok()) {
    const auto again =
        accord::audit::parse_checkpoint(accord::audit::encode_checkpoint(checkpoint.value()));
    if (!again.ok() || accord::audit::encode_checkpoint(again.value()) !=
                           accord::audit::encode_checkpoint(checkpoint.value())) {
      std::abort();
    }
  } else {
    check_refusal(checkpoint.error());
  }
  return 0;
}
