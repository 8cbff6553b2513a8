// The canonical text of numbers (docs/envelope.md §3): one row per form a sender may write,
// with the text the decoded envelope holds, signs, masks and pseudonymises. Python's
// json.dumps(json.loads(x)) gives the same text for every row (tests/interop checks that on
// a signed copy). Rows marked "today" were written otherwise before issue 11.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "accord/envelope/codec.hpp"
#include "test_support.hpp"

namespace accord::envelope {
namespace {

using test::envelope_with;
using test::vocabulary;

struct NumberRow {
  std::string name;
  std::string written;    // the leaf as the sender writes it
  std::string canonical;  // the leaf as decoded (and delivered)
};

void PrintTo(const NumberRow& row, std::ostream* os) {
  *os << row.written << " -> " << row.canonical;
}

std::vector<NumberRow> number_rows() {
  return {
      // 1e15 <= |x| < 1e16: plain decimal, like every double below 1e16 (today: "1e+15").
      {"large_1e15", "1e15", "1000000000000000.0"},
      {"large_exponent_upper_case", "1E+15", "1000000000000000.0"},
      {"large_2_pow_53", "9.007199254740992e+15", "9007199254740992.0"},
      {"large_just_below_1e16", "9999999999999998.0", "9999999999999998.0"},
      {"large_fraction", "1058196079349292.5", "1058196079349292.5"},
      {"large_negative", "-1.5e15", "-1500000000000000.0"},
      // From 1e16 up: exponent form, sign and at least two digits.
      {"large_1e16", "1e16", "1e+16"},
      {"large_shortest_digits", "2.3480720574906368e+16", "2.348072057490637e+16"},
      {"large_1e22", "10000000000000000000000.0", "1e+22"},
      {"large_max", "1.7976931348623157e308", "1.7976931348623157e+308"},
      // Small: plain down to 1e-4, exponent form below.
      {"small_1e_minus_4", "0.0001", "0.0001"},
      {"small_1e_minus_5", "0.00001", "1e-05"},
      {"small_1e_minus_7", "1E-7", "1e-07"},
      {"small_negative", "-1.5e-300", "-1.5e-300"},
      {"small_subnormal", "5e-324", "5e-324"},
      {"small_fraction", "0.1", "0.1"},
      // Exponent form that is a whole number stays a double.
      {"exponent_whole", "1E2", "100.0"},
      {"exponent_zero", "2e0", "2.0"},
      {"exponent_negative", "123e-2", "1.23"},
      {"fraction_zero", "1.0", "1.0"},
      // Negative zero: a double keeps its sign; the integer -0 is the integer 0.
      {"negative_zero_double", "-0.0", "-0.0"},
      {"negative_zero_exponent", "-0e0", "-0.0"},
      {"negative_zero_integer", "-0", "0"},
      {"zero_double", "0.0", "0.0"},
      // Integers are written in decimal, whatever their size (64-bit range).
      {"integer", "100", "100"},
      {"integer_large", "1000000000000000", "1000000000000000"},
      {"integer_uint64_max", "18446744073709551615", "18446744073709551615"},
      {"integer_int64_min", "-9223372036854775808", "-9223372036854775808"},
      // Inside arrays and objects inside arrays, the same rule (today: "[1e+15,...").
      {"in_array", "[1e15, -0.0, 1E2, -0]", "[1000000000000000.0,-0.0,100.0,0]"},
      {"in_object_in_array", R"([{"k" : 9.007199254740992e+15, "t\n":[1e-5]}])",
       R"([{"k":9007199254740992.0,"t\n":[1e-05]}])"},
  };
}

class NumberFormTest : public ::testing::TestWithParam<NumberRow> {};

TEST_P(NumberFormTest, DecodedLeafHasTheCanonicalText) {
  const NumberRow& row = GetParam();
  auto decoded = decode(envelope_with({{"data", R"({"n":)" + row.written + "}"}}), vocabulary());
  ASSERT_TRUE(decoded.ok()) << decoded.error().code << ": " << decoded.error().message;
  ASSERT_EQ(decoded->data.size(), 1u);
  EXPECT_EQ(decoded->data[0].json, row.canonical);
  // The canonical text is a fixpoint: decoding what was delivered gives the same text.
  auto again = decode(encode(*decoded), vocabulary());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->data, decoded->data);
}

INSTANTIATE_TEST_SUITE_P(Envelope, NumberFormTest, ::testing::ValuesIn(number_rows()),
                         [](const auto& info) { return info.param.name; });

TEST(FormatDoubleTest, NonFiniteIsNull) {
  EXPECT_EQ(format_double(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(format_double(std::nan("")), "null");
}

TEST(FormatDoubleTest, ReadsBackAsTheSameDoubleAcrossMagnitudes) {
  // Every power of ten and its neighbours across the range: the text parses back exactly,
  // and the layout switches at exactly 1e-4 and 1e16.
  for (int k = -320; k <= 308; ++k) {
    const double x = std::strtod(("1e" + std::to_string(k)).c_str(), nullptr);
    const double up = std::numeric_limits<double>::infinity();
    for (double v : {x, std::nextafter(x, 0.0), std::nextafter(x, up), -x}) {
      const std::string text = format_double(v);
      EXPECT_EQ(std::strtod(text.c_str(), nullptr), v) << text;
      const bool plain = std::fabs(v) >= 1e-4 && std::fabs(v) < 1e16;
      EXPECT_EQ(text.find('e') == std::string::npos, plain) << text;
      if (plain) {
        EXPECT_NE(text.find('.'), std::string::npos) << text;
      }
    }
  }
}

}  // namespace
}  // namespace accord::envelope
