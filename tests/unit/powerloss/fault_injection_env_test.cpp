// FaultInjectionEnv on real files: what survives drop_unsynced() (the power cut), and
// failures injected into chosen calls.
#include "accord/env/fault_injection_env.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "accord/env/fake_env.hpp"
#include "accord/testing/temp_dir.hpp"

namespace accord::env {
namespace {

using accord::testing::TempDir;

std::optional<std::string> content_of(const std::string& path) {
  auto r = system_env().read_file(path);
  if (!r.ok()) return std::nullopt;
  return std::move(r).value();
}

// Each case starts with "a" holding "old" (durable, written by the real env), does its
// steps through the fault env, cuts the power and drops what was not synced.
struct DurabilityCase {
  const char* name;
  std::function<void(FaultInjectionEnv&, const TempDir&)> steps;
  std::optional<std::string> a_after;  // nullopt: "a" does not exist after the cut
  std::optional<std::string> b_after;
};

TEST(FaultInjectionEnv, DropUnsyncedKeepsExactlyWhatWasDurable) {
  const std::vector<DurabilityCase> cases = {
      {"nothing done", [](FaultInjectionEnv&, const TempDir&) {}, "old", std::nullopt},
      {"replace is durable on return",
       [](FaultInjectionEnv& e, const TempDir& d) {
         ASSERT_TRUE(e.replace_file(d.file("a"), "new", 0600).ok());
       },
       "new", std::nullopt},
      {"write_new_file is durable on return",
       [](FaultInjectionEnv& e, const TempDir& d) {
         ASSERT_TRUE(e.write_new_file(d.file("b"), "bee", 0600).ok());
       },
       "old", "bee"},
      {"a removal without a directory sync comes back",
       [](FaultInjectionEnv& e, const TempDir& d) { ASSERT_TRUE(e.remove_file(d.file("a")).ok()); },
       "old", std::nullopt},
      {"a removal with a directory sync sticks",
       [](FaultInjectionEnv& e, const TempDir& d) {
         ASSERT_TRUE(e.remove_file(d.file("a")).ok());
         ASSERT_TRUE(e.sync_directory(d.path()).ok());
       },
       std::nullopt, std::nullopt},
      {"removed then written anew: the new file is durable",
       [](FaultInjectionEnv& e, const TempDir& d) {
         ASSERT_TRUE(e.remove_file(d.file("a")).ok());
         ASSERT_TRUE(e.write_new_file(d.file("a"), "again", 0600).ok());
       },
       "again", std::nullopt},
      {"changes after the cut never happen",
       [](FaultInjectionEnv& e, const TempDir& d) {
         e.cut_power();
         EXPECT_EQ(e.replace_file(d.file("a"), "late", 0600).error().code, "io_error");
         EXPECT_EQ(e.write_new_file(d.file("b"), "late", 0600).error().code, "io_error");
         EXPECT_EQ(e.remove_file(d.file("a")).error().code, "io_error");
         EXPECT_EQ(*e.read_file(d.file("a")), "old");  // reads still work
       },
       "old", std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    TempDir dir("accord-faultenv-");
    ASSERT_TRUE(system_env().write_new_file(dir.file("a"), "old", 0600).ok());
    FaultInjectionEnv env;
    c.steps(env, dir);
    env.cut_power();
    ASSERT_TRUE(env.drop_unsynced().ok());
    EXPECT_EQ(content_of(dir.file("a")), c.a_after);
    EXPECT_EQ(content_of(dir.file("b")), c.b_after);
    EXPECT_FALSE(env.power_is_cut());  // drop_unsynced restores the power
  }
}

TEST(FaultInjectionEnv, FailsTheNthCallOnceOrEveryCallAndTouchesNothing) {
  TempDir dir("accord-faultenv-");
  const std::string a = dir.file("a");
  FaultInjectionEnv env;
  env.fail(FaultInjectionEnv::Op::replace_file, 2, "io_error");
  EXPECT_TRUE(env.replace_file(a, "1", 0600).ok());
  const Status second = env.replace_file(a, "2", 0600);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, "io_error");
  EXPECT_EQ(second.error().path, a);
  EXPECT_EQ(content_of(a), "1");                     // the failed call changed nothing
  EXPECT_TRUE(env.replace_file(a, "3", 0600).ok());  // one-shot: the third goes through

  env.fail(FaultInjectionEnv::Op::read_file, FaultInjectionEnv::kAlways, "io_error");
  EXPECT_FALSE(env.read_file(a).ok());
  EXPECT_FALSE(env.read_file(a).ok());
  env.fail(FaultInjectionEnv::Op::file_exists, FaultInjectionEnv::kAlways);
  EXPECT_FALSE(env.file_exists(a));
  env.clear_faults();
  EXPECT_EQ(*env.read_file(a), "3");
  EXPECT_TRUE(env.file_exists(a));

  env.fail(FaultInjectionEnv::Op::write_new_file, 1, "file_exists");
  EXPECT_EQ(env.write_new_file(dir.file("b"), "x", 0600).error().code, "file_exists");
  EXPECT_FALSE(system_env().file_exists(dir.file("b")));
  env.fail(FaultInjectionEnv::Op::sync_directory, 1);
  EXPECT_FALSE(env.sync_directory(dir.path()).ok());
  EXPECT_TRUE(env.sync_directory(dir.path()).ok());
}

TEST(FaultInjectionEnv, ClocksAndRandomnessComeFromTheTarget) {
  FakeEnv clock(5'000);
  FaultInjectionEnv env(clock);
  clock.advance_ms(250);
  EXPECT_EQ(env.now_ms(), 5'250);
  EXPECT_EQ(env.steady_ms(), 250);
  clock.seed_random(7);
  unsigned char first[8];
  env.random_bytes(first);
  clock.seed_random(7);
  unsigned char again[8];
  env.random_bytes(again);
  EXPECT_EQ(std::string(first, first + 8), std::string(again, again + 8));
}

}  // namespace
}  // namespace accord::env
