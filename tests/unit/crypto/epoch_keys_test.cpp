// The per-epoch data keys (docs/field-encryption.md §1): one key per recipient key and epoch,
// sealed once, so wrapped_key repeats within an epoch and changes at its boundary, for
// another recipient and after a key rotation; the sealed key opens to the key in use; and
// threads racing at the start of an epoch end up with one key.
#include "accord/crypto/epoch_keys.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "accord/crypto/bytes.hpp"
#include "fixtures.hpp"

namespace accord::crypto {
namespace {

using testing::kNowMs;
using testing::make_key;

constexpr std::int64_t kHourMs = 3'600'000;

struct EpochRow {
  std::int64_t now_ms;
  std::int64_t epoch_seconds;
  std::int64_t epoch;
};

class EpochNumber : public ::testing::TestWithParam<EpochRow> {};

TEST_P(EpochNumber, IsTheFloorOfTimeOverTheEpochLength) {
  EXPECT_EQ(epoch_number(GetParam().now_ms, GetParam().epoch_seconds), GetParam().epoch);
}

INSTANTIATE_TEST_SUITE_P(Table, EpochNumber,
                         ::testing::Values(EpochRow{0, 3600, 0}, EpochRow{kHourMs - 1, 3600, 0},
                                           EpochRow{kHourMs, 3600, 1},
                                           EpochRow{1'795'338'000'000, 3600, 498705},
                                           EpochRow{1'795'338'000'999, 1, 1'795'338'000},
                                           EpochRow{-1, 3600, -1}, EpochRow{-kHourMs, 3600, -1},
                                           EpochRow{86'400'000 * 3 + 5, 86400, 3}));

// The data key a wrapped key opens to with the recipient's secret key.
std::vector<unsigned char> unwrap(const DataKey& key, const AgencySecretKey& secret) {
  auto wrapped = from_base64(key.wrapped_key_b64());
  EXPECT_TRUE(wrapped.ok());
  std::vector<unsigned char> out(32);
  EXPECT_EQ(crypto_box_seal_open(out.data(), wrapped.value().data(), wrapped.value().size(),
                                 secret.pub.public_key.data(), secret.secret_key.bytes.data()),
            0);
  return out;
}

TEST(EpochKeys, OneKeyPerRecipientAndEpochSealedToItsKey) {
  const auto lvws = make_key("provider.lvws");
  const auto other = make_key("provider.other");
  EpochKeyCache cache;  // one hour
  const std::int64_t start = epoch_number(kNowMs, 3600) * kHourMs;

  auto first = cache.key_for(lvws.pub, start);
  auto second = cache.key_for(lvws.pub, start + kHourMs - 1);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first.value(), second.value()) << "the same key object for the whole epoch";
  EXPECT_EQ(first.value()->wrapped_key_b64(), second.value()->wrapped_key_b64());
  EXPECT_EQ(first.value()->epoch(), epoch_number(start, 3600));
  const auto bytes = unwrap(*first.value(), lvws);
  EXPECT_EQ(std::vector<unsigned char>(first.value()->bytes(), first.value()->bytes() + 32), bytes);

  auto theirs = cache.key_for(other.pub, start);
  ASSERT_TRUE(theirs.ok());
  EXPECT_NE(theirs.value()->wrapped_key_b64(), first.value()->wrapped_key_b64());
  EXPECT_NE(unwrap(*theirs.value(), other), bytes);
  EXPECT_EQ(cache.size(), 2u);

  auto next = cache.key_for(lvws.pub, start + kHourMs);
  ASSERT_TRUE(next.ok());
  EXPECT_NE(next.value()->wrapped_key_b64(), first.value()->wrapped_key_b64());
  EXPECT_NE(unwrap(*next.value(), lvws), bytes);
  EXPECT_EQ(cache.size(), 1u) << "the first use of a later epoch drops every older key";
}

TEST(EpochKeys, ARotatedRecipientKeyStartsANewKey) {
  const auto old_key = make_key("provider.lvws", kNowMs - 1000);
  const auto new_key = make_key("provider.lvws", kNowMs);
  ASSERT_NE(old_key.pub.kid, new_key.pub.kid);
  EpochKeyCache cache;
  auto before = cache.key_for(old_key.pub, kNowMs);
  auto after = cache.key_for(new_key.pub, kNowMs + 1);
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_NE(before.value()->wrapped_key_b64(), after.value()->wrapped_key_b64());
  EXPECT_EQ(after.value()->recipient().kid, new_key.pub.kid);
  EXPECT_EQ(unwrap(*after.value(), new_key).size(), 32u);
  EXPECT_EQ(cache.size(), 1u) << "one key per recipient: the old one is replaced";

  // The same kid with another public key (a replaced key file) is another key, too.
  RecipientKey swapped = new_key.pub;
  swapped.public_key = old_key.pub.public_key;
  auto again = cache.key_for(swapped, kNowMs + 2);
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again.value()->wrapped_key_b64(), after.value()->wrapped_key_b64());
  EXPECT_EQ(unwrap(*again.value(), old_key).size(), 32u);
}

TEST(EpochKeys, ACopyOfAnOlderEpochGetsAKeyOfItsOwnThatIsNotKept) {
  const auto lvws = make_key("provider.lvws");
  EpochKeyCache cache(60);
  auto now = cache.key_for(lvws.pub, kNowMs);
  auto late = cache.key_for(lvws.pub, kNowMs - 60'000);
  ASSERT_TRUE(now.ok() && late.ok());
  EXPECT_NE(late.value()->wrapped_key_b64(), now.value()->wrapped_key_b64());
  EXPECT_EQ(late.value()->epoch(), now.value()->epoch() - 1);
  auto again = cache.key_for(lvws.pub, kNowMs);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.value(), now.value()) << "the current epoch's key was not displaced";
}

TEST(EpochKeys, AKeyInUseOutlivesItsReplacement) {
  const auto lvws = make_key("provider.lvws");
  EpochKeyCache cache(1);
  auto held = cache.key_for(lvws.pub, kNowMs);
  ASSERT_TRUE(held.ok());
  const auto bytes = unwrap(*held.value(), lvws);
  ASSERT_TRUE(cache.key_for(lvws.pub, kNowMs + 1000).ok());  // replaces it in the cache
  EXPECT_EQ(std::vector<unsigned char>(held.value()->bytes(), held.value()->bytes() + 32), bytes);
}

TEST(EpochKeys, ThreadsRacingAtTheStartOfAnEpochShareOneKey) {
  const auto lvws = make_key("provider.lvws");
  EpochKeyCache cache;
  constexpr int kThreads = 8;
  std::vector<std::set<std::string>> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto key = cache.key_for(lvws.pub, kNowMs + i);
        if (key.ok()) seen[t].insert(key.value()->wrapped_key_b64());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::string> all;
  for (const auto& s : seen) all.insert(s.begin(), s.end());
  EXPECT_EQ(all.size(), 1u) << "a racing loser takes the winner's key, never its own";
  EXPECT_EQ(cache.size(), 1u);
}

TEST(EpochKeys, AnInvalidPublicKeyIsRefused) {
  auto lvws = make_key("provider.lvws");
  lvws.pub.public_key.fill(0);  // the all-zero point: crypto_box_seal refuses it
  EpochKeyCache cache;
  auto key = cache.key_for(lvws.pub, kNowMs);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().code, "encryption_failed");
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace accord::crypto
