// libFuzzer target: the agreement loader must never crash, hang or throw on any bytes, and a
// file it accepts must carry a usable agreement (an id, a version, at least one flow).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "accord/agreements/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const accord::agreements::LoadResult r = accord::agreements::parse(text, "fuzz.yaml");
  if (r.ok()) {
    if (r.agreement->id.empty() || r.agreement->version < 1 || r.agreement->flows.empty()) {
      std::abort();
    }
  } else if (r.diagnostics.empty()) {
    std::abort();  // a refusal must say why
  }
  return 0;
}
