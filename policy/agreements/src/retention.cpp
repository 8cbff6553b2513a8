#include "accord/agreements/retention.hpp"

#include <algorithm>
#include <chrono>

#include "accord/yaml/document.hpp"

namespace accord::agreements {
namespace {

ParsedDuration fail(std::string_view text, std::string why) {
  return {std::nullopt, DurationError{"`" + yaml::excerpt(text) +
                                      "` is not an ISO 8601 duration: " + std::move(why)}};
}

constexpr std::int64_t kMsPerDay = 86'400'000;

}  // namespace

ParsedDuration parse_duration(std::string_view text) {
  if (text.empty() || text.front() != 'P') return fail(text, "it must start with P");
  // Designators in the order they may appear; a component must come after the previous one.
  static constexpr char kDate[] = {'Y', 'M', 'W', 'D'};
  static constexpr char kTime[] = {'H', 'M', 'S'};
  IsoDuration d;
  int* date_slot[] = {&d.years, &d.months, &d.weeks, &d.days};
  int* time_slot[] = {&d.hours, &d.minutes, &d.seconds};
  bool in_time = false, any = false, any_time = false, non_zero = false;
  std::size_t next_date = 0, next_time = 0;
  std::size_t i = 1;
  while (i < text.size()) {
    if (text[i] == 'T') {
      if (in_time) return fail(text, "T appears twice");
      in_time = true;
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
    if (j == i) {
      if (text[i] == '-' || text[i] == '+') return fail(text, "no sign is allowed");
      return fail(text, std::string("expected a number before `") + text[i] + "`");
    }
    if (j == text.size()) return fail(text, "the last number has no designator");
    if (text[j] == '.' || text[j] == ',') return fail(text, "fractions are not allowed");
    if (j - i > 4) return fail(text, "a number has more than 4 digits");
    const int value = std::stoi(std::string(text.substr(i, j - i)));
    const char designator = text[j];
    bool placed = false;
    if (!in_time) {
      for (std::size_t k = next_date; k < std::size(kDate); ++k) {
        if (kDate[k] == designator) {
          *date_slot[k] = value;
          next_date = k + 1;
          placed = true;
          break;
        }
      }
    } else {
      for (std::size_t k = next_time; k < std::size(kTime); ++k) {
        if (kTime[k] == designator) {
          *time_slot[k] = value;
          next_time = k + 1;
          placed = true;
          any_time = true;
          break;
        }
      }
    }
    if (!placed) {
      return fail(text, std::string("`") + designator + "` is not a designator here (" +
                            (in_time ? "after T: H, M, S in that order"
                                     : "before T: Y, M, W, D in that order") +
                            ")");
    }
    any = true;
    non_zero = non_zero || value != 0;
    i = j + 1;
  }
  if (in_time && !any_time) return fail(text, "T is not followed by hours, minutes or seconds");
  if (!any) return fail(text, "it has no component");
  if (!non_zero) return fail(text, "a period of zero keeps nothing");
  return {d, std::nullopt};
}

std::int64_t add_duration_ms(std::int64_t t_ms, const IsoDuration& d) {
  using namespace std::chrono;
  const std::int64_t day_index = t_ms >= 0 ? t_ms / kMsPerDay : (t_ms - kMsPerDay + 1) / kMsPerDay;
  const std::int64_t time_of_day = t_ms - day_index * kMsPerDay;
  year_month_day ymd{sys_days{days{day_index}}};
  const int total_months = static_cast<int>(ymd.year()) * 12 +
                           static_cast<int>(static_cast<unsigned>(ymd.month())) - 1 + d.years * 12 +
                           d.months;
  // Floor division: the bisection in retention_cutoff_ms() reaches years before year 0.
  const int year_of = total_months >= 0 ? total_months / 12 : (total_months - 11) / 12;
  const year y{year_of};
  const month m{static_cast<unsigned>(total_months - year_of * 12 + 1)};
  const day last = year_month_day_last{y, month_day_last{m}}.day();
  const year_month_day moved{y, m, std::min(ymd.day(), last)};
  const std::int64_t moved_days =
      sys_days{moved}.time_since_epoch().count() + 7LL * d.weeks + d.days;
  return moved_days * kMsPerDay + time_of_day +
         (3600LL * d.hours + 60LL * d.minutes + d.seconds) * 1000;
}

bool is_retention_trigger(std::string_view trigger) {
  return std::find(kRetentionTriggers.begin(), kRetentionTriggers.end(), trigger) !=
         kRetentionTriggers.end();
}

}  // namespace accord::agreements
