// libFuzzer target: decode must never crash, and every accepted body must survive
// encode + decode unchanged (the canonical form is a fixpoint).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "accord/core/error_codes.hpp"
#include "accord/envelope/codec.hpp"

namespace {

// A small fixed vocabulary so the fuzzer does not depend on files.
const accord::envelope::Vocabulary& vocabulary() {
  static const accord::envelope::Vocabulary v = [] {
    auto parsed = accord::envelope::Vocabulary::parse(R"(version: 1
event_types:
  - {name: referral.created, description: d, from: [police], to: [provider]}
  - {name: hearing.listed, description: d, from: [court], to: [wcu]}
  - {name: a.b, description: d, from: [any], to: [any]}
)");
    if (!parsed) std::abort();
    return *parsed;
  }();
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto decoded = accord::envelope::decode(body, vocabulary());
  if (!decoded.ok()) {
    // Every refusal code is a row of the one error table (accord/core/error_codes.hpp).
    if (accord::find_error_code(decoded.error().code) == nullptr) {
      std::abort();
    }
    return 0;
  }
  std::string canonical = accord::envelope::encode(*decoded);
  auto again = accord::envelope::decode(canonical, vocabulary());
  if (!again.ok() || !(*again == *decoded)) std::abort();
  if (accord::envelope::encode(*again) != canonical) std::abort();
  return 0;
}
