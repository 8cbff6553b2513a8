// Shared by the compliance_calendar_test sources: the shipped files and instants in UTC.
#pragma once

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "accord/compliance/calendar.hpp"

namespace accord::compliance::testing {

inline std::string read_source_file(const std::string& relative) {
  std::ifstream in(std::string(ACCORD_TEST_SOURCE_DIR) + "/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline constexpr const char* kCalendarFile =
    "config/compliance/bank-holidays-england-and-wales.yaml";
inline constexpr const char* kRulesFile = "config/compliance/victims-code.yaml";

// Unix ms of a UTC wall-clock time (days_from_civil is checked against std::chrono first).
inline std::int64_t utc_ms(int y, int mo, int d, int h = 0, int mi = 0, int s = 0, int ms = 0) {
  return days_from_civil(CivilDate{y, mo, d}) * 86'400'000 + h * 3'600'000LL + mi * 60'000LL +
         s * 1'000LL + ms;
}

}  // namespace accord::compliance::testing
