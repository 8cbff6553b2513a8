// A flow's `receipts: required | optional` (docs/agreements.md, "flow"; docs/receipts.md): its
// loading, its refusals, and the decision carrying it to the granted copy.
#include <gtest/gtest.h>

#include "accord/agreements/agreement_set.hpp"
#include "accord/agreements/decision.hpp"
#include "accord/agreements/loader.hpp"
#include "fixtures.hpp"

namespace accord::agreements {
namespace {

using testing::base_yaml;
using testing::replace;

std::string with_flow_lines(const std::string& lines) {
  return replace(base_yaml(), "    events: [referral.created]\n",
                 "    events: [referral.created]\n" + lines);
}

TEST(ReceiptsFlow, LoadsAndDefaultsToOptional) {
  struct Row {
    const char* lines;
    bool required;
  };
  for (const Row& row : {Row{"", false}, Row{"    receipts: optional\n", false},
                         Row{"    receipts: required\n", true}}) {
    SCOPED_TRACE(row.lines);
    const Agreement a = testing::load(with_flow_lines(row.lines));
    ASSERT_EQ(a.flows.size(), 1u);
    EXPECT_EQ(a.flows[0].receipts_required, row.required);
  }
}

TEST(ReceiptsFlow, OtherValuesAreRefusedWithTheirPlace) {
  for (const char* value : {"yes", "true", "Required", "none"}) {
    SCOPED_TRACE(value);
    const std::string text = with_flow_lines(std::string("    receipts: ") + value + "\n");
    const LoadResult r = parse(text, "bad.yaml");
    EXPECT_FALSE(r.ok());
    bool found = false;
    for (const Diagnostic& d : r.diagnostics) {
      if (d.code == "invalid_value" && d.message.find("`receipts`") != std::string::npos) {
        found = true;
        const Pos key = testing::pos_of(text, "receipts:");
        EXPECT_EQ(d.pos.line, key.line);  // line:col of the value, on the key's line
        EXPECT_EQ(d.pos.column, key.column + 10);
      }
    }
    EXPECT_TRUE(found);
  }
}

TEST(ReceiptsFlow, TheGrantingFlowDecides) {
  const Instant now = testing::at("2026-06-01T12:00:00Z");
  for (bool required : {false, true}) {
    std::vector<Agreement> v;
    v.push_back(testing::load(with_flow_lines(required ? "    receipts: required\n" : "")));
    const AgreementSet set(std::move(v));
    const Decision d =
        decide(testing::make_envelope("referral.created", {{"offence.category", "\"x\""}}),
               "police.met", "provider.lvws", set, now);
    ASSERT_TRUE(d.allowed);
    EXPECT_EQ(d.receipts_required, required);
  }
}

}  // namespace
}  // namespace accord::agreements
