#include "accord/agreements/condition_values.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>

namespace accord::agreements {
namespace {

// Minified JSON as written by the condition loader, so equal values compare equal as text.
std::string canonical(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Whether two JSON numbers are the same number (docs/agreements.md: numbers compare by value).
// Exact: an integer equals a double only when the double is integral and has that very value,
// so no precision is lost converting a 64-bit integer to a double; 0.0 equals -0.0.
bool same_number(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.is_number_float() && b.is_number_float()) return a.get<double>() == b.get<double>();
  if (a.is_number_float() || b.is_number_float()) {
    const double d = (a.is_number_float() ? a : b).get<double>();
    const nlohmann::json& i = a.is_number_float() ? b : a;
    if (!std::isfinite(d) || std::trunc(d) != d) return false;
    constexpr double kTwo63 = 9223372036854775808.0;
    if (i.is_number_unsigned()) {
      return d >= 0 && d < 2 * kTwo63 && static_cast<std::uint64_t>(d) == i.get<std::uint64_t>();
    }
    return d >= -kTwo63 && d < kTwo63 && static_cast<std::int64_t>(d) == i.get<std::int64_t>();
  }
  const bool ua = a.is_number_unsigned(), ub = b.is_number_unsigned();
  if (ua == ub) return a == b;
  const nlohmann::json& u = ua ? a : b;
  const std::int64_t s = (ua ? b : a).get<std::int64_t>();
  return s >= 0 && static_cast<std::uint64_t>(s) == u.get<std::uint64_t>();
}

}  // namespace

const std::string* matching_value(const std::vector<std::string>& values, std::string_view json) {
  if (auto it = std::find(values.begin(), values.end(), json); it != values.end()) return &*it;
  // Only a number, or a string with an escape, can equal a value it is not spelled as: a
  // string without one is already canonical (the decoder writes raw UTF-8 and escapes only
  // what JSON must), true/false/null have one spelling, and an array or object equals none.
  // So the text comparison above was the whole test, and no parse is spent on it.
  const char first = json.empty() ? '\0' : json.front();
  if (first == '\0' || first == 't' || first == 'f' || first == 'n' || first == '[' ||
      first == '{' || (first == '"' && json.find('\\') == std::string_view::npos)) {
    return nullptr;
  }
  const auto actual = nlohmann::json::parse(json, nullptr, false);
  if (actual.is_discarded()) return nullptr;
  if (actual.is_number()) {
    for (const std::string& v : values) {
      if (v.empty() || !(v[0] == '-' || (v[0] >= '0' && v[0] <= '9'))) continue;
      const auto want = nlohmann::json::parse(v, nullptr, false);
      if (want.is_number() && same_number(actual, want)) return &v;
    }
    return nullptr;
  }
  const std::string text = canonical(actual);
  const auto it = std::find(values.begin(), values.end(), text);
  return it != values.end() ? &*it : nullptr;
}

}  // namespace accord::agreements
