// The shipped config/compliance/victims-code.yaml, loaded against the shipped vocabulary as
// the gateway loads it, and the 2020 duties other figures rely on checked key by key
// (docs/compliance.md §2, the table of shipped duties).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "accord/compliance/calendar.hpp"
#include "accord/compliance/rules.hpp"
#include "accord/envelope/vocabulary.hpp"
#include "test_calendar.hpp"

namespace accord::compliance {
namespace {

using Types = std::vector<std::string>;

std::vector<std::string> vocabulary_types() {
  auto vocabulary =
      envelope::Vocabulary::parse(testing::read_source_file("config/vocabulary.yaml"));
  if (!vocabulary.ok()) {
    ADD_FAILURE() << "vocabulary: " << vocabulary.error().path << ": "
                  << vocabulary.error().message;
    return {};
  }
  std::vector<std::string> names;
  for (const auto& [name, type] : vocabulary->all()) names.push_back(name);
  return names;
}

Result<RuleBook> shipped_rules() {
  const std::vector<std::string> known = vocabulary_types();
  if (known.empty()) return make_error("test", "no vocabulary");
  return RuleBook::load(testing::read_source_file(testing::kRulesFile), "victims-code.yaml", known);
}

struct ExpectedDuty {
  const char* id;
  int right;
  Types events;
  Types from;
  const char* informer;
  StartBasis start;
  StopKind stop;
  Types follow_up;
  int standard;
  int enhanced;
};

TEST(RulesFile, LoadsAgainstTheVocabularyAndHasTheAgreedDuties2020) {
  auto book = shipped_rules();
  ASSERT_TRUE(book.ok()) << book.error().path << ": " << book.error().message;
  const RuleSet* set = book->in_force({2026, 12, 6});
  ASSERT_NE(set, nullptr);
  EXPECT_EQ(set->id, "vcop-2020");
  EXPECT_EQ(set->effective_from, (CivilDate{2021, 4, 1}));
  EXPECT_FALSE(set->effective_until.has_value());

  const ExpectedDuty expected[] = {
      {"police-updates",
       6,
       {"investigation.closed", "suspect.arrested", "suspect.interviewed", "suspect.released",
        "bail.conditions_changed", "charge.decided"},
       {"police"},
       "police",
       StartBasis::received,
       StopKind::informed,
       {},
       5,
       1},
      {"cps-decisions",
       6,
       {"cps.decision_letter", "charge.decided"},
       {"cps"},
       "cps",
       StartBasis::received,
       StopKind::informed,
       {},
       5,
       1},
      {"wcu-hearings",
       8,
       {"hearing.listed", "hearing.adjourned", "witness.required", "special_measures.decided"},
       {"court", "cps"},
       "wcu",
       StartBasis::received,
       StopKind::informed,
       {},
       1,
       1},
      {"wcu-outcomes",
       9,
       {"case.outcome", "sentence.passed", "appeal.decided"},
       {"court"},
       "wcu",
       StartBasis::received,
       StopKind::informed,
       {},
       1,
       1},
      {"court-to-wcu-results",
       9,
       {"case.outcome", "sentence.passed"},
       {"court"},
       "wcu",
       StartBasis::occurred,
       StopKind::received,
       {},
       5,
       5},
      {"vcs-referral",
       11,
       {"sentence.passed"},
       {"court"},
       "wcu",
       StartBasis::received,
       StopKind::follow_up,
       {"vcs.referred"},
       10,
       10},
      {"support-referral",
       4,
       {"crime.recorded"},
       {"police"},
       "police",
       StartBasis::received,
       StopKind::follow_up,
       {"referral.created"},
       2,
       2},
      {"complaint-acknowledged",
       12,
       {"complaint.received"},
       {},
       "sender",
       StartBasis::received,
       StopKind::follow_up,
       {"complaint.acknowledged"},
       10,
       10},
  };
  for (const auto& want : expected) {
    const Duty* found = nullptr;
    for (const Duty& duty : set->duties) {
      if (duty.id == want.id) found = &duty;
    }
    ASSERT_NE(found, nullptr) << want.id;
    EXPECT_EQ(found->right, want.right) << want.id;
    EXPECT_EQ(found->events, want.events) << want.id;
    EXPECT_EQ(found->from_kinds, want.from) << want.id;
    EXPECT_EQ(found->informer, want.informer) << want.id;
    EXPECT_EQ(found->start, want.start) << want.id;
    EXPECT_EQ(found->stop, want.stop) << want.id;
    EXPECT_EQ(found->follow_up_events, want.follow_up) << want.id;
    EXPECT_EQ(found->deadline_standard, want.standard) << want.id;
    EXPECT_EQ(found->deadline_enhanced, want.enhanced) << want.id;
    EXPECT_FALSE(found->description.empty()) << want.id;
  }
}

TEST(RulesFile, The2015CodeAppliesUntilTheEndOf31March2021) {
  auto book = shipped_rules();
  ASSERT_TRUE(book.ok()) << book.error().path << ": " << book.error().message;
  ASSERT_EQ(book->rule_sets().size(), 2u);
  EXPECT_EQ(book->in_force({2015, 11, 15}), nullptr);
  ASSERT_NE(book->in_force({2015, 11, 16}), nullptr);
  EXPECT_EQ(book->in_force({2015, 11, 16})->id, "vcop-2015");
  EXPECT_EQ(book->in_force({2021, 3, 31})->id, "vcop-2015");
  EXPECT_EQ(book->in_force({2021, 4, 1})->id, "vcop-2020");
  for (const RuleSet& set : book->rule_sets()) {
    EXPECT_FALSE(set.source.empty()) << set.id;
    for (const Duty& duty : set.duties) {
      EXPECT_GE(duty.deadline_standard, duty.deadline_enhanced) << set.id << " " << duty.id;
    }
  }
}

TEST(RulesFile, TheShippedCalendarCoversEveryRuleSetFromItsFirstDay) {
  auto book = shipped_rules();
  ASSERT_TRUE(book.ok());
  auto calendar = WorkingCalendar::load(testing::read_source_file(testing::kCalendarFile),
                                        "bank-holidays-england-and-wales.yaml");
  ASSERT_TRUE(calendar.ok()) << calendar.error().message;
  for (const RuleSet& set : book->rule_sets()) {
    EXPECT_TRUE(calendar->covers(set.effective_from)) << set.id;
  }
}

}  // namespace
}  // namespace accord::compliance
