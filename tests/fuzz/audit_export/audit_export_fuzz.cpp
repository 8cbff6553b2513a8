// libFuzzer target for the audit export verifier (gateway/audit, audit::verify_export: what
// `accord audit verify FILE` runs, docs/audit-format.md §6-§7): any bytes must give a report,
// never a crash or an exception; a failure carries one of the documented codes; and what
// passes is consistent: every seq from first to last accounted for, and an export that
// passes with --require-sealed has no unsealed tail.
//
// The key is the one that signed the seeds (tests/data/corrupt/gateway-key.json), so the
// fuzzer starts from exports whose checkpoints verify.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <sstream>
#include <string>

#include "accord/audit/verifier.hpp"
#include "accord/crypto/signature.hpp"

namespace {

constexpr const char* kGatewayKey =
    R"({"alg":"ed25519","kid":"646aa73fd9607edb","public_key":"D0Goo/oZG7Q2ymuv2VSLbjLMrfJdvZNUZCYolpxhWPQ="})";

const accord::crypto::GatewayPublicKey& key() {
  static const accord::crypto::GatewayPublicKey k = [] {
    auto parsed = accord::crypto::parse_gateway_public_key(kGatewayKey);
    if (!parsed.ok()) std::abort();
    return parsed.value();
  }();
  return k;
}

bool documented(const std::string& code) {
  static const std::set<std::string> codes = {
      "seq_gap",           "chain_mismatch", "checkpoint_mismatch",     "signature_invalid",
      "wrong_gateway_key", "bad_signature",  "checkpoint_out_of_place", "truncated",
      "unsealed_tail",     "malformed"};
  return codes.contains(code);
}

accord::audit::VerifyReport verify(const std::string& text, bool require_sealed) {
  std::istringstream in(text);
  accord::audit::VerifyOptions options;
  options.require_sealed = require_sealed;
  return accord::audit::verify_export(in, key(), options);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto report = verify(text, false);
  if (!report.ok()) {
    if (!documented(report.failure->code) || report.failure->code == "unsealed_tail") {
      std::abort();
    }
    if (report.failure->line < 0) std::abort();
  } else {
    if (report.records + report.stubs != report.last_seq - report.first_seq + 1) std::abort();
    if (report.unsealed_tail != report.last_seq - report.sealed_seq) std::abort();
    if (report.unsealed_tail < 0 || report.checkpoints < 0) std::abort();
  }
  const auto sealed = verify(text, true);
  if (!sealed.ok() && !documented(sealed.failure->code)) std::abort();
  if (sealed.ok() && (!report.ok() || sealed.unsealed_tail != 0)) std::abort();
  // Without --require-sealed the first failure is the same one, unless it is the tail.
  if (!sealed.ok() && sealed.failure->code != "unsealed_tail" &&
      (report.ok() || report.failure->code != sealed.failure->code)) {
    std::abort();
  }
  return 0;
}
