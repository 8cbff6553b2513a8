#include "accord/adapters/csv.hpp"

#include <gtest/gtest.h>

namespace accord::adapters::csv {
namespace {

struct CsvRow {
  const char* name;
  std::string input;
  std::vector<std::vector<std::string>> cells;
  std::vector<std::size_t> lines;
  std::vector<bool> bad;  // per record: error expected
};

class CsvParse : public ::testing::TestWithParam<CsvRow> {};

TEST_P(CsvParse, Records) {
  const auto& row = GetParam();
  const auto records = parse(row.input);
  ASSERT_EQ(records.size(), row.cells.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].cells, row.cells[i]) << "record " << i;
    EXPECT_EQ(records[i].line, row.lines[i]) << "record " << i;
    EXPECT_EQ(!records[i].error.empty(), row.bad[i]) << "record " << i << ": " << records[i].error;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rfc4180, CsvParse,
    ::testing::Values(
        CsvRow{"plain", "a,b\n1,2\n", {{"a", "b"}, {"1", "2"}}, {1, 2}, {false, false}},
        CsvRow{"no_final_newline", "a,b\n1,2", {{"a", "b"}, {"1", "2"}}, {1, 2}, {false, false}},
        CsvRow{"crlf", "a,b\r\n1,2\r\n", {{"a", "b"}, {"1", "2"}}, {1, 2}, {false, false}},
        CsvRow{"quoted_comma", "\"x,y\",z\n", {{"x,y", "z"}}, {1}, {false}},
        CsvRow{"doubled_quotes", "\"say \"\"hi\"\"\",z\n", {{"say \"hi\"", "z"}}, {1}, {false}},
        CsvRow{"newline_in_quotes",
               "\"l1\nl2\",z\nnext,1\n",
               {{"l1\nl2", "z"}, {"next", "1"}},
               {1, 3},
               {false, false}},
        CsvRow{"crlf_in_quotes", "\"l1\r\nl2\",z\r\n", {{"l1\r\nl2", "z"}}, {1}, {false}},
        CsvRow{"empty_cells", ",,\na,,b\n", {{"", "", ""}, {"a", "", "b"}}, {1, 2}, {false, false}},
        CsvRow{"trailing_comma_at_end", "a,", {{"a", ""}}, {1}, {false}},
        CsvRow{"quoted_empty", "\"\",x\n", {{"", "x"}}, {1}, {false}},
        CsvRow{"bom",
               "\xEF\xBB\xBF"
               "a,b\n",
               {{"a", "b"}},
               {1},
               {false}},
        CsvRow{"blank_lines_skipped", "a\n\n\r\nb\n", {{"a"}, {"b"}}, {1, 4}, {false, false}},
        CsvRow{"lone_cr_is_data", "a\rb,c\n", {{"a\rb", "c"}}, {1}, {false}},
        CsvRow{"utf8", "caf\xC3\xA9,x\n", {{"caf\xC3\xA9", "x"}}, {1}, {false}},
        CsvRow{"empty_input", "", {}, {}, {}},
        // Negative rows: the broken record is flagged, the next one still parses.
        CsvRow{"quote_inside_unquoted",
               "ab\"c,d\nx,y\n",
               {{"ab\"c"}, {"x", "y"}},
               {1, 2},
               {true, false}},
        CsvRow{"text_after_closing_quote",
               "\"ab\"c,d\nx,y\n",
               {{"ab"}, {"x", "y"}},
               {1, 2},
               {true, false}},
        CsvRow{"unterminated_quote",
               "x,y\n\"open,z\n",
               {{"x", "y"}, {"open,z\n"}},
               {1, 2},
               {false, true}}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace accord::adapters::csv
