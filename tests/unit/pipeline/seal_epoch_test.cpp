// The per-epoch data key end to end (docs/field-encryption.md §1 and §7): copies to one
// recipient within an epoch carry one wrapped_key, a copy after the boundary another; since
// the key is shared, only the associated data keeps a field from being moved between those
// copies or paths, and that is checked here; the data key itself never reaches the spool.
#include <gtest/gtest.h>
#include <sodium.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "accord/crypto/bytes.hpp"
#include "accord/crypto/field_encryption.hpp"
#include "pipeline_fixture.hpp"

namespace accord::pipeline {
namespace {

using namespace accord::pipeline::testing;
using nlohmann::json;

constexpr std::int64_t kHourMs = 3'600'000;
const std::vector<std::string> kEncrypted = {"phone", "email", "safe_times",
                                             "do_not_leave_messages", "do_not_contact_by"};

// Each stored copy to provider.lvws, as its delivered document, by message id.
std::map<std::string, json> stored_copies(World& w) {
  auto done = std::make_shared<std::promise<Result<std::vector<spool::Delivery>>>>();
  w.spool->lease({kLvws, 100, 30'000, kNow}, [done](auto r) { done->set_value(std::move(r)); });
  auto leased = done->get_future().get();
  EXPECT_TRUE(leased.ok());
  std::map<std::string, json> out;
  if (!leased.ok()) return out;
  for (const auto& d : leased.value()) out[d.message_id] = json::parse(d.payload);
  return out;
}

json& contact(json& document) {
  return document["envelope"]["data"]["victim"]["contact"];
}

// The wrapped keys of a copy's encrypted fields.
std::set<std::string> wrapped_keys(json document) {
  std::set<std::string> keys;
  for (const auto& name : kEncrypted) {
    keys.insert(contact(document).at(name).at("wrapped_key").get<std::string>());
  }
  return keys;
}

// Opens a (possibly altered) delivered envelope's fields with provider.lvws's key.
Result<crypto::OpenedEnvelope> open(const World& w, const json& document) {
  auto decoded = crypto::decode_delivered(document.at("envelope").dump());
  if (!decoded.ok()) return decoded.error();
  const std::vector<crypto::AgencySecretKey> keys = {w.lvws_key};
  return crypto::open_fields(decoded.value(), keys, kSender, kLvws);
}

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(SealEpoch, CopiesOfOneEpochShareAWrappedKeyAndTheNextEpochHasItsOwn) {
  World w;
  w.open();
  const std::int64_t start = (kNow / kHourMs) * kHourMs;
  for (const auto& [id, at] : std::vector<std::pair<std::string, std::int64_t>>{
           {"m-1", start}, {"m-2", start + kHourMs - 1}, {"m-3", start + kHourMs}}) {
    const auto outcome = w.submit(with_id(referral_body(), id), at);
    ASSERT_TRUE(std::holds_alternative<Accepted>(outcome)) << id;
  }
  auto copies = stored_copies(w);
  ASSERT_EQ(copies.size(), 3u);
  const auto first = wrapped_keys(copies["m-1"]);
  ASSERT_EQ(first.size(), 1u) << "one key for every field of a copy";
  EXPECT_EQ(wrapped_keys(copies["m-2"]), first) << "the same epoch: the same sealed key";
  const auto next = wrapped_keys(copies["m-3"]);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_NE(next, first) << "the next epoch: a new key";

  for (auto& [id, document] : copies) {
    auto opened = open(w, document);
    ASSERT_TRUE(opened.ok()) << id << ": " << opened.error().code;
    EXPECT_EQ(opened->envelope.find("victim.contact.phone")->json, "\"07700 900123\"");
  }

  // m-1 and m-2 share a data key: the associated data alone refuses a field moved between
  // them, or to another path of the same copy.
  json moved = copies["m-2"];
  contact(moved)["phone"] = contact(copies["m-1"])["phone"];
  auto refused = open(w, moved);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "decrypt_failed");
  EXPECT_EQ(refused.error().path, "data.victim.contact.phone");

  json swapped = copies["m-1"];
  contact(swapped)["email"] = contact(copies["m-1"])["phone"];
  refused = open(w, swapped);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "decrypt_failed");
  EXPECT_EQ(refused.error().path, "data.victim.contact.email");

  json renamed = copies["m-1"];
  renamed["envelope"]["id"] = "m-2";
  refused = open(w, renamed);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "decrypt_failed");

  // Neither data key, raw or in base64, nor a protected plaintext is in any spool file.
  std::vector<std::string> secrets = {"07700 900123", "r.example@example.org"};
  for (const auto& wrapped : {*first.begin(), *next.begin()}) {
    auto sealed = crypto::from_base64(wrapped);
    ASSERT_TRUE(sealed.ok());
    std::string key(32, '\0');
    ASSERT_EQ(
        crypto_box_seal_open(reinterpret_cast<unsigned char*>(key.data()), sealed.value().data(),
                             sealed.value().size(), w.lvws_key.pub.public_key.data(),
                             w.lvws_key.secret_key.bytes.data()),
        0);
    secrets.push_back(key);
    secrets.push_back(crypto::to_base64(
        std::span(reinterpret_cast<const unsigned char*>(key.data()), key.size())));
  }
  w.spool->shutdown();
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(w.dir.path())) {
    if (!entry.is_regular_file() || entry.path().filename() == "signing.key") continue;
    ++files;
    const std::string bytes = file_bytes(entry.path());
    for (const auto& secret : secrets) {
      EXPECT_EQ(bytes.find(secret), std::string::npos) << entry.path();
    }
  }
  EXPECT_GE(files, 1);
}

}  // namespace
}  // namespace accord::pipeline
