// RuleBook::load (docs/compliance.md §2): what a good file gives, which set is in force when,
// the tracked event types, and every refusal with its code and file:line:col.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "accord/compliance/rules.hpp"

namespace accord::compliance {
namespace {

constexpr const char* kGood = R"(version: 1
rule_sets:
  - id: old-code
    title: Old Code
    source: somewhere
    effective_from: 2015-11-16
    effective_until: 2021-04-01
    duties:
      - id: updates
        right: 6
        description: police updates
        events: [suspect.arrested]
        from: [police]
        informer: police
        deadline_working_days: {standard: 5, enhanced: 1}
  - id: new-code
    title: New Code
    source: elsewhere
    effective_from: 2021-04-01
    duties:
      - id: updates
        right: 6
        description: police updates
        events: [suspect.arrested, charge.decided]
        from: [police, cps]
        informer: police
        start: received
        stop: informed
        deadline_working_days: {standard: 5, enhanced: 1}
      - id: hop
        right: 9
        description: court to wcu
        events: [case.outcome]
        informer: wcu
        start: occurred
        stop: received
        deadline_working_days: {standard: 5, enhanced: 5}
      - id: referral
        right: 4
        description: referral
        events: [crime.recorded]
        informer: sender
        stop: {follow_up: [referral.created, crime.recorded]}
        deadline_working_days: {standard: 2, enhanced: 0}
)";

TEST(RulesLoad, ReadsEveryKeyAndDefaults) {
  auto book = RuleBook::load(kGood, "rules.yaml");
  ASSERT_TRUE(book.ok()) << book.error().path << ": " << book.error().message;
  ASSERT_EQ(book->rule_sets().size(), 2u);
  const RuleSet& old_code = book->rule_sets()[0];
  EXPECT_EQ(old_code.id, "old-code");
  EXPECT_EQ(old_code.title, "Old Code");
  EXPECT_EQ(old_code.source, "somewhere");
  EXPECT_EQ(old_code.effective_from, (CivilDate{2015, 11, 16}));
  ASSERT_TRUE(old_code.effective_until.has_value());
  EXPECT_EQ(*old_code.effective_until, (CivilDate{2021, 4, 1}));
  ASSERT_EQ(old_code.duties.size(), 1u);
  const Duty& defaults = old_code.duties[0];
  EXPECT_EQ(defaults.start, StartBasis::received);  // the defaults
  EXPECT_EQ(defaults.stop, StopKind::informed);
  EXPECT_TRUE(defaults.follow_up_events.empty());

  const RuleSet& new_code = book->rule_sets()[1];
  EXPECT_FALSE(new_code.effective_until.has_value());
  ASSERT_EQ(new_code.duties.size(), 3u);
  const Duty& updates = new_code.duties[0];
  EXPECT_EQ(updates.id, "updates");
  EXPECT_EQ(updates.right, 6);
  EXPECT_EQ(updates.description, "police updates");
  EXPECT_EQ(updates.events, (std::vector<std::string>{"suspect.arrested", "charge.decided"}));
  EXPECT_EQ(updates.from_kinds, (std::vector<std::string>{"police", "cps"}));
  EXPECT_EQ(updates.informer, "police");
  EXPECT_EQ(updates.deadline_standard, 5);
  EXPECT_EQ(updates.deadline_enhanced, 1);
  const Duty& hop = new_code.duties[1];
  EXPECT_TRUE(hop.from_kinds.empty());  // any sender
  EXPECT_EQ(hop.start, StartBasis::occurred);
  EXPECT_EQ(hop.stop, StopKind::received);
  const Duty& referral = new_code.duties[2];
  EXPECT_EQ(referral.informer, "sender");
  EXPECT_EQ(referral.stop, StopKind::follow_up);
  EXPECT_EQ(referral.follow_up_events,
            (std::vector<std::string>{"referral.created", "crime.recorded"}));
  EXPECT_EQ(referral.deadline_enhanced, 0);
}

TEST(RulesLoad, TheSetInForceIsChosenByLondonDateWithTheUntilDateExclusive) {
  auto book = RuleBook::load(kGood, "rules.yaml");
  ASSERT_TRUE(book.ok());
  const struct {
    CivilDate date;
    const char* expected;  // nullptr: no set in force
  } cases[] = {
      {{2015, 11, 15}, nullptr},  {{2015, 11, 16}, "old-code"}, {{2021, 3, 31}, "old-code"},
      {{2021, 4, 1}, "new-code"}, {{2030, 1, 1}, "new-code"},   {{1999, 1, 1}, nullptr},
  };
  for (const auto& c : cases) {
    const RuleSet* set = book->in_force(c.date);
    if (c.expected == nullptr) {
      EXPECT_EQ(set, nullptr) << to_string(c.date);
    } else {
      ASSERT_NE(set, nullptr) << to_string(c.date);
      EXPECT_EQ(set->id, c.expected) << to_string(c.date);
    }
  }
}

TEST(RulesLoad, TrackedEventTypesAreStartsStopsAndTheFactsEveryClockReads) {
  auto book = RuleBook::load(kGood, "rules.yaml");
  ASSERT_TRUE(book.ok());
  EXPECT_EQ(book->tracked_event_types(),
            (std::vector<std::string>{"case.outcome", "charge.decided", "consent.given",
                                      "consent.withdrawn", "contact.preferences_changed",
                                      "crime.recorded", "enhanced_rights.changed",
                                      "referral.created", "suspect.arrested", "victim.informed"}));
}

TEST(RulesLoad, KnownEventsAcceptTheFileWhenEveryTypeIsKnown) {
  const std::vector<std::string> known = {"suspect.arrested", "charge.decided", "case.outcome",
                                          "crime.recorded", "referral.created"};
  auto book = RuleBook::load(kGood, "rules.yaml", known);
  ASSERT_TRUE(book.ok()) << book.error().path << ": " << book.error().message;
}

// One duty in one set, with `line` replacing the duty's keys from the given one on.
std::string one_duty(const std::string& duty_keys) {
  return "version: 1\n"
         "rule_sets:\n"
         "  - id: code\n"
         "    title: t\n"
         "    source: s\n"
         "    effective_from: 2021-04-01\n"
         "    duties:\n"
         "      - id: d\n"
         "        right: 6\n"
         "        description: x\n"
         "        informer: police\n" +
         duty_keys;
}
// Lines 1-11 above; the keys passed in start on line 12, at column 9.
constexpr const char* kEvents = "        events: [suspect.arrested]\n";
constexpr const char* kDeadline = "        deadline_working_days: {standard: 5, enhanced: 1}\n";

std::string two_sets(const std::string& first_extra, const std::string& second_from,
                     const std::string& second_id = "b") {
  const std::string duty =
      "    duties:\n"
      "      - {id: d, right: 6, description: x, informer: police, events: [suspect.arrested],\n"
      "         deadline_working_days: {standard: 5, enhanced: 1}}\n";
  return "version: 1\n"
         "rule_sets:\n"
         "  - id: a\n"
         "    title: t\n"
         "    source: s\n"
         "    effective_from: 2015-11-16\n" +
         first_extra + duty +  // lines 7.. (first_extra is one line or none)
         "  - id: " + second_id +
         "\n    title: t\n    source: s\n    effective_from: " + second_from + "\n" + duty;
}

TEST(RulesLoad, AGapBetweenRuleSetsIsAllowedAndNothingIsInForceInIt) {
  auto book = RuleBook::load(two_sets("    effective_until: 2020-01-01\n", "2021-04-01"), "r.yaml");
  ASSERT_TRUE(book.ok()) << book.error().path << ": " << book.error().message;
  EXPECT_EQ(book->in_force({2019, 12, 31})->id, "a");
  EXPECT_EQ(book->in_force({2020, 1, 1}), nullptr);
  EXPECT_EQ(book->in_force({2021, 3, 31}), nullptr);
  EXPECT_EQ(book->in_force({2021, 4, 1})->id, "b");
}

struct Refusal {
  const char* what;
  std::string text;
  std::string path;
  std::string message;
  std::vector<std::string> known = {};
};

TEST(RulesLoad, RefusesBadFilesAtTheirPosition) {
  const std::string both = std::string(kEvents) + kDeadline;
  const Refusal cases[] = {
      {"empty file", "", "r.yaml:1:1", "empty"},
      {"yaml syntax", "version: [1\n", "r.yaml:2:1", ""},
      {"version 2", "version: 2\nrule_sets: []\n", "r.yaml:1:10", "unsupported rules version"},
      {"unknown top-level key", "version: 1\nrulesets: []\n", "r.yaml:2:1",
       "unknown key 'rulesets'"},
      {"no rule sets", "version: 1\nrule_sets: []\n", "r.yaml:2:12", "non-empty list"},
      {"missing rule_sets", "version: 1\n", "r.yaml:1:1", "missing required key 'rule_sets'"},
      {"unknown duty key", one_duty(both + "        evnets: [x]\n"), "r.yaml:14:9",
       "unknown key 'evnets'"},
      {"missing duty key", one_duty(kDeadline), "r.yaml:8:9", "missing required key 'events'"},
      {"right 0", one_duty(both).replace(one_duty(both).find("right: 6"), 8, "right: 0"),
       "r.yaml:9:16", "from 1 to 12"},
      {"right 13", one_duty(both).replace(one_duty(both).find("right: 6"), 8, "right: 13"),
       "r.yaml:9:16", "from 1 to 12"},
      {"right not a number",
       one_duty(both).replace(one_duty(both).find("right: 6"), 8, "right: six"), "r.yaml:9:16",
       "wrong type"},
      {"negative standard deadline",
       one_duty(std::string(kEvents) +
                "        deadline_working_days: {standard: -1, enhanced: 1}\n"),
       "r.yaml:13:43", "must not be negative"},
      {"negative enhanced deadline",
       one_duty(std::string(kEvents) +
                "        deadline_working_days: {standard: 5, enhanced: -2}\n"),
       "r.yaml:13:56", "must not be negative"},
      {"deadline without enhanced",
       one_duty(std::string(kEvents) + "        deadline_working_days: {standard: 5}\n"),
       "r.yaml:13:32", "missing required key 'enhanced'"},
      {"unknown stop kind", one_duty(both + "        stop: told\n"), "r.yaml:14:15", "stop 'told'"},
      {"stop follow_up without its types", one_duty(both + "        stop: follow_up\n"),
       "r.yaml:14:15", "{follow_up: [types]}"},
      {"stop mapping with another key", one_duty(both + "        stop: {after: [x]}\n"),
       "r.yaml:14:16", "unknown key 'after'"},
      {"follow_up not a list", one_duty(both + "        stop: {follow_up: x}\n"), "r.yaml:14:27",
       "non-empty list"},
      {"unknown start kind", one_duty(both + "        start: acked\n"), "r.yaml:14:16",
       "start 'acked'"},
      {"unknown informer kind",
       one_duty(both).replace(one_duty(both).find("informer: police"), 16, "informer: mayor"),
       "r.yaml:11:19", "informer 'mayor'"},
      {"unknown from kind", one_duty(both + "        from: [police, mayor]\n"), "r.yaml:14:24",
       "unknown agency kind 'mayor'"},
      {"from lists a kind twice", one_duty(both + "        from: [police, police]\n"),
       "r.yaml:14:24", "twice"},
      {"events empty", one_duty(std::string("        events: []\n") + kDeadline), "r.yaml:12:17",
       "non-empty list"},
      {"events lists a type twice",
       one_duty(std::string("        events: [suspect.arrested, suspect.arrested]\n") + kDeadline),
       "r.yaml:12:36", "twice"},
      {"unknown event type",
       one_duty(both),
       "r.yaml:12:18",
       "'suspect.arrested', which is not in the vocabulary",
       {"charge.decided"}},
      {"unknown follow-up event type",
       one_duty(both + "        stop: {follow_up: [referral.made]}\n"),
       "r.yaml:14:28",
       "'referral.made', which is not in the vocabulary",
       {"suspect.arrested"}},
      {"duplicate duty id",
       one_duty(both + "      - {id: d, right: 6, description: x, informer: police,\n"
                       "         events: [suspect.arrested],\n"
                       "         deadline_working_days: {standard: 5, enhanced: 1}}\n"),
       "r.yaml:14:14", "duty id 'd' is used twice"},
      {"bad duty id", one_duty(both).replace(one_duty(both).find("id: d"), 5, "id: D_1"),
       "r.yaml:8:13", "lower-case"},
      {"bad effective_from",
       one_duty(both).replace(one_duty(both).find("2021-04-01"), 10, "2021-02-30"), "r.yaml:6:21",
       "is not a date"},
      {"until not after from", two_sets("    effective_until: 2015-11-16\n", "2021-04-01"),
       "r.yaml:7:22", "must be after effective_from"},
      {"overlap: first set never ends", two_sets("", "2021-04-01"), "r.yaml:13:21",
       "still in force"},
      {"overlap: first ends after the second starts",
       two_sets("    effective_until: 2021-05-01\n", "2021-04-01"), "r.yaml:14:21",
       "still in force"},
      {"out of order", two_sets("", "2010-01-01"), "r.yaml:13:21", "oldest first"},
      {"duplicate rule set id", two_sets("    effective_until: 2021-04-01\n", "2021-04-01", "a"),
       "r.yaml:11:9", "rule set id 'a' is used twice"},
  };
  for (const auto& c : cases) {
    auto book = RuleBook::load(c.text, "r.yaml", c.known);
    ASSERT_FALSE(book.ok()) << c.what;
    EXPECT_EQ(book.error().code, "invalid_rules") << c.what;
    EXPECT_EQ(book.error().path, c.path) << c.what << ": " << book.error().message;
    EXPECT_NE(book.error().message.find(c.message), std::string::npos)
        << c.what << ": " << book.error().message;
  }
}

}  // namespace
}  // namespace accord::compliance
