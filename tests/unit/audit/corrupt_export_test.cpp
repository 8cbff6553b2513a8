// Golden corrupt audit exports (tests/data/corrupt, its README says how they were made):
// verify_export refuses each with the code docs/audit-format.md §7 promises, at the record
// and line it names, and never crashes. The undamaged export is verified first, so a refusal
// is the damage's doing, not a wrong key.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "accord/audit/verifier.hpp"
#include "accord/crypto/key_files.hpp"
#include "accord/crypto/signature.hpp"
#include "accord/testing/golden.hpp"

namespace accord::audit {
namespace {

using testing::data_file;

struct Row {
  std::string file;
  bool require_sealed = false;
  std::string code;  // empty: verifies
  std::int64_t seq = 0;
  std::int64_t line = 0;
};

void PrintTo(const Row& row, std::ostream* os) {
  *os << row.file << (row.require_sealed ? " --require-sealed" : "");
}

class CorruptAuditExport : public ::testing::TestWithParam<Row> {};

TEST_P(CorruptAuditExport, IsRefusedWithItsCode) {
  const auto& row = GetParam();
  const auto text = crypto::read_text_file(data_file("corrupt/gateway-key.json"));
  ASSERT_TRUE(text.ok()) << text.error().message;
  const auto key = crypto::parse_gateway_public_key(text.value());
  ASSERT_TRUE(key.ok()) << key.error().message;
  std::ifstream in(data_file("corrupt/" + row.file), std::ios::binary);
  ASSERT_TRUE(in) << row.file;
  VerifyOptions options;
  options.require_sealed = row.require_sealed;
  const auto report = verify_export(in, key.value(), options);
  if (row.code.empty()) {
    ASSERT_TRUE(report.ok()) << report.failure->code << ": " << report.failure->message;
    EXPECT_EQ(report.records, 6);
    EXPECT_EQ(report.checkpoints, 2);
    EXPECT_EQ(report.sealed_seq, 6);
    return;
  }
  ASSERT_FALSE(report.ok()) << row.file;
  EXPECT_EQ(report.failure->code, row.code) << report.failure->message;
  EXPECT_EQ(report.failure->seq, row.seq) << report.failure->message;
  EXPECT_EQ(report.failure->line, row.line) << report.failure->message;
}

// Lines: 1 header, 2-5 records 1-4, 6 checkpoint 4, 7-8 records 5-6, 9 checkpoint 6.
INSTANTIATE_TEST_SUITE_P(
    Golden, CorruptAuditExport,
    ::testing::Values(Row{"audit-export-good.jsonl", false, "", 0, 0},
                      Row{"audit-export-good.jsonl", true, "", 0, 0},
                      // Cut in the middle of record 5's line.
                      Row{"audit-export-truncated.jsonl", false, "malformed", 5, 7},
                      // Cut after record 5: it verifies as far as it goes, but record 5 is
                      // sealed by no checkpoint.
                      Row{"audit-export-truncated-at-line.jsonl", true, "unsealed_tail", 5, 0},
                      // A header member of the wrong type (the audit_export fuzz target found
                      // that this threw out of verify_export).
                      Row{"audit-export-header-mistyped.jsonl", false, "malformed", 1, 1},
                      // One bit of record 3 flipped ("not_permitted" → "oot_permitted").
                      Row{"audit-export-bitflip-record.jsonl", false, "chain_mismatch", 3, 4},
                      // One bit of checkpoint 4's signature flipped (still base64).
                      Row{"audit-export-bitflip-signature.jsonl", false, "signature_invalid", 4,
                          6}),
    [](const auto& info) {
      std::string name = info.param.file.substr(0, info.param.file.find('.'));
      for (auto& c : name) c = c == '-' ? '_' : c;
      return name + (info.param.require_sealed ? "_require_sealed" : "");
    });

}  // namespace
}  // namespace accord::audit
