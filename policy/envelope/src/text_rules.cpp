#include "text_rules.hpp"

#include <algorithm>
#include <array>

namespace accord::envelope::rules {
namespace {

bool alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool digit(char c) {
  return c >= '0' && c <= '9';
}

template <typename Pred>
bool all_of(std::string_view s, std::size_t max, Pred pred) {
  return !s.empty() && s.size() <= max && std::all_of(s.begin(), s.end(), pred);
}

// Dot-separated labels, at least two, each non-empty and made of `label_char`.
template <typename Pred>
bool dotted(std::string_view s, Pred label_char) {
  std::size_t labels = 0;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = s.find('.', start);
    std::string_view label = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
    if (label.empty() || !std::all_of(label.begin(), label.end(), label_char)) return false;
    ++labels;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return labels >= 2;
}

// Reads exactly `n` digits at s[pos..] into *out.
bool number(std::string_view s, std::size_t pos, std::size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!digit(s[i])) return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

int days_in_month(int year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

}  // namespace

bool is_token(std::string_view s, std::size_t max) {
  return all_of(s, max,
                [](char c) { return alnum(c) || c == '.' || c == '_' || c == ':' || c == '-'; });
}

bool is_case_urn(std::string_view s) {
  return all_of(s, 64,
                [](char c) { return alnum(c) || c == '/' || c == '.' || c == '_' || c == '-'; });
}

bool is_agency_id(std::string_view s) {
  return dotted(s, [](char c) { return (c >= 'a' && c <= 'z') || digit(c) || c == '-'; });
}

bool is_subject_role(std::string_view s) {
  static constexpr std::array<std::string_view, 7> kRoles = {
      "victim",    "witness",  "bereaved_relative", "suspect",
      "defendant", "offender", "parent_or_guardian"};
  return std::find(kRoles.begin(), kRoles.end(), s) != kRoles.end();
}

bool is_data_key(std::string_view s) {
  return all_of(s, 64, [](char c) { return alnum(c) || c == '_' || c == '-'; });
}

bool is_classification(std::string_view s) {
  constexpr std::string_view kBase = "OFFICIAL";
  constexpr std::string_view kSensitive = "-SENSITIVE";
  if (!s.starts_with(kBase)) return false;
  s.remove_prefix(kBase.size());
  if (s.starts_with(kSensitive)) s.remove_prefix(kSensitive.size());
  // Zero or more " [X...]" caveats, X in [A-Z], then [A-Z -]*.
  while (!s.empty()) {
    if (!s.starts_with(" [") || s.size() < 4 || s[2] < 'A' || s[2] > 'Z') return false;
    std::size_t i = 3;
    while (i < s.size() && ((s[i] >= 'A' && s[i] <= 'Z') || s[i] == ' ' || s[i] == '-')) ++i;
    if (i >= s.size() || s[i] != ']') return false;
    s.remove_prefix(i + 1);
  }
  return true;
}

bool is_event_type_name(std::string_view s) {
  return dotted(s, [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
}

bool is_rfc3339(std::string_view s) {
  // 0123456789012345678
  // YYYY-MM-DDTHH:MM:SS
  int year, month, day, hour, minute, second;
  if (s.size() < 20) return false;
  if (!number(s, 0, 4, &year) || s[4] != '-' || !number(s, 5, 2, &month) || s[7] != '-' ||
      !number(s, 8, 2, &day) || s[10] != 'T' || !number(s, 11, 2, &hour) || s[13] != ':' ||
      !number(s, 14, 2, &minute) || s[16] != ':' || !number(s, 17, 2, &second)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  std::size_t pos = 19;
  if (s[pos] == '.') {
    std::size_t start = ++pos;
    while (pos < s.size() && digit(s[pos])) ++pos;
    if (pos == start || pos - start > 9) return false;
  }
  if (pos >= s.size()) return false;
  if (s[pos] == 'Z') return pos + 1 == s.size();
  if (s[pos] != '+' && s[pos] != '-') return false;
  int off_hour, off_minute;
  if (s.size() != pos + 6 || !number(s, pos + 1, 2, &off_hour) || s[pos + 3] != ':' ||
      !number(s, pos + 4, 2, &off_minute)) {
    return false;
  }
  return off_hour <= 23 && off_minute <= 59;
}

}  // namespace accord::envelope::rules
