// FakeEnv: its clocks move only when the test moves them; seeded randomness repeats, unseeded
// does not; files are the real ones underneath.
#include "accord/env/fake_env.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "accord/testing/temp_dir.hpp"

namespace accord::env {
namespace {

using Bytes = std::array<unsigned char, 32>;

Bytes draw(Env& env) {
  Bytes out{};
  env.random_bytes(out);
  return out;
}

TEST(FakeEnv, ClocksMoveOnlyWhenMoved) {
  FakeEnv env(1'000'000);
  const std::int64_t steady = env.steady_ms();
  // Real time passing (the calls themselves) moves nothing.
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(env.now_ms(), 1'000'000);
  EXPECT_EQ(env.steady_ms(), steady);

  struct Step {
    const char* what;
    bool set;             // set_now_ms, else advance_ms
    std::int64_t value;   // the argument
    std::int64_t now;     // now_ms() after
    std::int64_t steady;  // steady_ms() after, relative to the start
  };
  const Step steps[] = {
      {"advance", false, 1500, 1'001'500, 1500},
      {"advance by nothing", false, 0, 1'001'500, 1500},
      {"set forward", true, 1'010'000, 1'010'000, 10'000},
      {"set back: wall clock goes back, steady does not", true, 1'005'000, 1'005'000, 10'000},
      {"set forward again from there", true, 1'006'000, 1'006'000, 11'000},
      {"advance a day", false, 86'400'000, 87'406'000, 86'411'000},
  };
  for (const auto& s : steps) {
    if (s.set) {
      env.set_now_ms(s.value);
    } else {
      env.advance_ms(s.value);
    }
    EXPECT_EQ(env.now_ms(), s.now) << s.what;
    EXPECT_EQ(env.steady_ms() - steady, s.steady) << s.what;
  }
}

TEST(FakeEnv, StartsAtAFixedInstantByDefault) {
  FakeEnv a, b;
  EXPECT_EQ(a.now_ms(), 1'767'225'600'000);  // 2026-01-01T00:00:00Z
  EXPECT_EQ(a.now_ms(), b.now_ms());
}

TEST(FakeEnv, SeededRandomnessRepeatsUnseededDoesNot) {
  struct Row {
    const char* what;
    std::optional<std::uint64_t> seed_a, seed_b;
    bool same;
  };
  const Row rows[] = {
      {"same seed", 42, 42, true},
      {"other seed", 42, 43, false},
      {"seeded and unseeded", 42, std::nullopt, false},
      {"both unseeded", std::nullopt, std::nullopt, false},
  };
  for (const auto& row : rows) {
    FakeEnv a, b;
    if (row.seed_a) a.seed_random(*row.seed_a);
    if (row.seed_b) b.seed_random(*row.seed_b);
    std::vector<Bytes> from_a, from_b;
    for (int i = 0; i < 3; ++i) {
      from_a.push_back(draw(a));
      from_b.push_back(draw(b));
    }
    EXPECT_EQ(from_a == from_b, row.same) << row.what;
    // Successive draws differ, seeded or not.
    EXPECT_NE(from_a[0], from_a[1]) << row.what;
  }
}

TEST(FakeEnv, ReseedingStartsTheSequenceAgain) {
  FakeEnv env;
  env.seed_random(7);
  const Bytes first = draw(env);
  draw(env);
  env.seed_random(7);
  EXPECT_EQ(draw(env), first);
}

TEST(FakeEnv, FilesAreTheRealOnes) {
  accord::testing::TempDir dir("accord-fake-env-");
  FakeEnv env;
  const std::string path = dir.file("f");
  ASSERT_TRUE(env.write_new_file(path, "one", 0600).ok());
  EXPECT_EQ(system_env().read_file(path).value(), "one");
  ASSERT_TRUE(env.replace_file(path, "two", 0600).ok());
  WriteOptions options;
  options.sync = false;
  ASSERT_TRUE(env.write_file(dir.file("g"), "three", 0600, options).ok());
  EXPECT_EQ(env.read_file(path).value(), "two");
  EXPECT_EQ(env.read_file(dir.file("g")).value(), "three");
  EXPECT_EQ(env.write_new_file(path, "x", 0600).error().code, "file_exists");
  ASSERT_TRUE(env.remove_file(path).ok());
  EXPECT_FALSE(env.file_exists(path));
}

}  // namespace
}  // namespace accord::env
