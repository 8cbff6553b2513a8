// Issue #12 item 3 and item 4 (spool): a spool behind its manifest is refused at open, with a
// message that says what is missing; --accept-spool-gap opens it and audits the gap; a second
// open of one spool is refused by the lock; the files are private (0600). Every case runs on
// real files: a "crash image" is a copy of the spool's files taken while it was open and idle
// (what kill -9 leaves: the recent commits still in spool.db-wal), a "clean image" a copy
// after a clean shutdown (no -wal).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>

#include "accord/crypto/signature.hpp"
#include "spool_test_support.hpp"

namespace accord::spool {
namespace {

using namespace accord::spool::testing;
namespace fs = std::filesystem;

constexpr int kSubmissions = 12;  // two copies each: small enough to stay in the -wal

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void copy_if_exists(const std::string& from, const std::string& to) {
  std::error_code ec;
  if (fs::exists(from, ec)) fs::copy_file(from, to, fs::copy_options::overwrite_existing);
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777;
}

struct ManifestFixture {
  TempDir dir;
  std::atomic<std::int64_t> clock{1'000'000};
  std::optional<crypto::GatewaySigner> signer;

  ManifestFixture() {
    auto s = crypto::GatewaySigner::load_or_create(dir.file("signing.key"), 1);
    if (!s.ok()) ADD_FAILURE() << s.error().message;
    if (s.ok()) signer.emplace(std::move(s.value()));
  }
  SqliteSpoolOptions options(const std::string& path) {
    auto o = options_for(path);
    o.audit.sign = [this](std::string_view bytes) { return signer->sign(bytes); };
    o.audit.now_ms = [this] { return clock.load(); };
    o.audit.checkpoint_every_ms = 3'600'000;  // only the explicit checkpoint below
    return o;
  }
  // Fills a live spool and checkpoints it (the manifest is written), then copies its files
  // into image/ while it is still open (crash) or after it was closed (clean).
  std::string make_image(bool crash) {
    fs::create_directories(dir.file("live"));
    fs::create_directories(dir.file("image"));
    const std::string live = dir.file("live/spool.db");
    const std::string image = dir.file("image/spool.db");
    {
      auto spool = open_or_die(options(live));
      if (!spool) return image;
      for (int i = 0; i < kSubmissions; ++i) {
        EXPECT_TRUE(
            append_sync(*spool, make_submission("m" + std::to_string(i), {"cps", "wcu"})).ok());
      }
      EXPECT_TRUE(status_sync(*spool, &Spool::checkpoint, clock.load()).ok());
      if (crash) {
        for (const char* suffix : {"", "-wal", "-shm", ".manifest"}) {
          copy_if_exists(live + suffix, image + suffix);
        }
      }
    }
    if (!crash) {
      for (const char* suffix : {"", "-wal", "-shm", ".manifest"}) {
        copy_if_exists(live + suffix, image + suffix);
      }
    }
    return image;
  }
};

void truncate_to(const std::string& path, std::uintmax_t size) {
  fs::resize_file(path, size);
}

struct Corruption {
  std::string name;
  bool crash_image;
  void (*damage)(const std::string& db);
  std::string want_in_message;  // empty: the damage is harmless and the spool opens whole
  friend void PrintTo(const Corruption& c, std::ostream* os) { *os << c.name; }
};

const Corruption kCorruptions[] = {
    {"crash_image_intact", true, [](const std::string&) {}, ""},
    {"clean_image_intact", false, [](const std::string&) {}, ""},
    {"wal_truncated_to_zero", true, [](const std::string& db) { truncate_to(db + "-wal", 0); },
     "audit records"},
    {"wal_cut_in_half", true,
     [](const std::string& db) { truncate_to(db + "-wal", fs::file_size(db + "-wal") / 2); },
     "audit records"},
    {"wal_bytes_flipped", true,
     [](const std::string& db) {
       const auto size = fs::file_size(db + "-wal");
       std::fstream f(db + "-wal", std::ios::in | std::ios::out | std::ios::binary);
       f.seekp(static_cast<std::streamoff>(size / 3));
       const std::string junk(64, '\x5a');
       f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
     },
     "audit records"},
    {"wal_and_shm_deleted", true,
     [](const std::string& db) {
       fs::remove(db + "-wal");
       fs::remove(db + "-shm");
     },
     "audit records"},
    {"database_truncated_to_zero", false, [](const std::string& db) { truncate_to(db, 0); },
     "stored submissions are missing"},
    {"database_deleted_keys_stay", false, [](const std::string& db) { fs::remove(db); },
     "is missing"},
    // After a clean shutdown nothing lives in the -wal: losing it loses nothing.
    {"clean_image_wal_deleted", false,
     [](const std::string& db) {
       std::error_code ec;
       fs::remove(db + "-wal", ec);
       fs::remove(db + "-shm", ec);
     },
     ""},
};

class SpoolManifest : public ::testing::TestWithParam<Corruption> {};

TEST_P(SpoolManifest, RefusesASpoolBehindItsManifestAndSaysWhatIsMissing) {
  ManifestFixture fx;
  const std::string db = fx.make_image(GetParam().crash_image);
  ASSERT_TRUE(fs::exists(db + ".manifest"));
  GetParam().damage(db);
  const std::string manifest_before = slurp(db + ".manifest");

  // accord-gateway --check sees what start sees, without changing anything.
  const Status checked = check_sqlite_spool(fx.options(db));
  if (GetParam().want_in_message.empty()) {
    EXPECT_TRUE(checked.ok()) << checked.error().message;
  } else {
    ASSERT_FALSE(checked.ok()) << "--check passed a spool behind its manifest";
    EXPECT_EQ(checked.error().code, "spool_behind_manifest");
    EXPECT_NE(checked.error().message.find(GetParam().want_in_message), std::string::npos)
        << checked.error().message;
  }

  auto opened = open_sqlite_spool(fx.options(db));
  if (GetParam().want_in_message.empty()) {
    ASSERT_TRUE(opened.ok()) << opened.error().code << ": " << opened.error().message;
    opened.value().reset();
    EXPECT_EQ(RawDb(db).query("SELECT count(*) FROM submissions"), std::to_string(kSubmissions));
    return;
  }
  ASSERT_FALSE(opened.ok()) << "a spool behind its manifest opened silently";
  EXPECT_EQ(opened.error().code, "spool_behind_manifest");
  EXPECT_NE(opened.error().message.find(GetParam().want_in_message), std::string::npos)
      << opened.error().message;
  EXPECT_NE(opened.error().message.find("--accept-spool-gap"), std::string::npos);
  // Refused without touching anything: the evidence stays for the operator.
  EXPECT_EQ(slurp(db + ".manifest"), manifest_before);
  if (GetParam().name == "database_deleted_keys_stay") {
    EXPECT_FALSE(fs::exists(db));
  }

  // The operator chooses to go on: it opens, and the gap is the first record it writes.
  auto accept = fx.options(db);
  accept.accept_gap = true;
  {
    auto spool = open_or_die(accept);
    ASSERT_NE(spool, nullptr);
    EXPECT_TRUE(append_sync(*spool, make_submission("after-gap", {"cps"})).ok());
  }
  RawDb raw(db);
  const std::string gap = raw.query(
      "SELECT record FROM audit_records WHERE kind = 'admin.spool_gap_accepted' ORDER BY seq");
  ASSERT_FALSE(gap.empty()) << "no audit record of the accepted gap";
  ASSERT_EQ(gap.find('\n'), std::string::npos) << "one record: " << gap;
  const auto record = nlohmann::json::parse(gap);
  EXPECT_EQ(record["code"], "spool_behind_manifest");
  EXPECT_NE(record["reason"].get<std::string>().find(GetParam().want_in_message), std::string::npos)
      << record.dump();
  EXPECT_EQ(record["details"]["manifest_submissions"], std::to_string(kSubmissions));

  // The accepted state is the new baseline: the next start needs no flag.
  auto again = open_sqlite_spool(fx.options(db));
  EXPECT_TRUE(again.ok()) << again.error().message;
}

INSTANTIATE_TEST_SUITE_P(Table, SpoolManifest, ::testing::ValuesIn(kCorruptions),
                         [](const auto& info) { return info.param.name; });

TEST(SpoolManifestFile, UnreadableManifestIsRefused) {
  ManifestFixture fx;
  const std::string db = fx.make_image(false);
  std::ofstream(db + ".manifest", std::ios::trunc) << "{\"format\":\"something else\"}";
  auto opened = open_sqlite_spool(fx.options(db));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, "corrupt");
  EXPECT_NE(opened.error().message.find(".manifest"), std::string::npos) << opened.error().message;
}

TEST(SpoolManifestFile, IsWrittenAtCheckpointAndCleanShutdown) {
  ManifestFixture fx;
  const std::string db = fx.dir.file("spool.db");
  auto spool = open_or_die(fx.options(db));
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(append_sync(*spool, make_submission("m1", {"cps", "wcu"})).ok());
  ASSERT_TRUE(status_sync(*spool, &Spool::checkpoint, fx.clock.load()).ok());
  auto at_checkpoint = nlohmann::json::parse(slurp(db + ".manifest"));
  EXPECT_EQ(at_checkpoint["format"], "accord-spool-manifest-1");
  EXPECT_EQ(at_checkpoint["submissions"], 1);
  EXPECT_EQ(at_checkpoint["last_delivery_id"], 2);
  EXPECT_EQ(at_checkpoint["audit_seq"], 2);
  EXPECT_EQ(at_checkpoint["sealed_seq"], 2);
  EXPECT_EQ(at_checkpoint["clean_shutdown"], false);
  ASSERT_TRUE(append_sync(*spool, make_submission("m2", {"cps"})).ok());
  spool->shutdown();
  auto at_stop = nlohmann::json::parse(slurp(db + ".manifest"));
  EXPECT_EQ(at_stop["submissions"], 2);
  EXPECT_EQ(at_stop["clean_shutdown"], true);
  EXPECT_EQ(at_stop["audit_seq"], at_stop["sealed_seq"]);  // the shutdown sealed the tail
  EXPECT_EQ(
      at_stop["audit_head"],
      RawDb(db).query("SELECT lower(hex(chain)) FROM audit_records ORDER BY seq DESC LIMIT 1"));
}

// --check on a spool that does not exist yet passes and creates nothing.
TEST(SpoolManifestFile, CheckOfAFreshSpoolCreatesNothing) {
  TempDir dir;
  EXPECT_TRUE(check_sqlite_spool(options_for(dir.file("spool.db"))).ok());
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

// Issue #12 item 4: a second gateway on one spool must be refused at open, not turn the
// first's writes into 503s.
TEST(SpoolLock, SecondOpenOfOneSpoolIsRefused) {
  TempDir dir;
  auto first = open_or_die(options_for(dir.file("spool.db")));
  ASSERT_NE(first, nullptr);
  auto second = open_sqlite_spool(options_for(dir.file("spool.db")));
  ASSERT_FALSE(second.ok()) << "two spools opened on one file";
  EXPECT_EQ(second.error().code, "spool_locked");
  EXPECT_NE(second.error().message.find("another gateway"), std::string::npos);
  // The first is unharmed.
  EXPECT_TRUE(append_sync(*first, make_submission("m1", {"cps"})).ok());
  first.reset();
  EXPECT_TRUE(open_sqlite_spool(options_for(dir.file("spool.db"))).ok());
}

// Issue #12 item 4: spool.db, its -wal and -shm (and the manifest and lock) are 0600, also
// when an older gateway left the database 0644.
TEST(SpoolFiles, AreCreatedAndKeptPrivate) {
  const mode_t old_umask = ::umask(022);
  TempDir dir;
  const std::string db = dir.file("spool.db");
  for (int round = 0; round < 2; ++round) {
    auto spool = open_or_die(options_for(db));
    ASSERT_NE(spool, nullptr);
    ASSERT_TRUE(append_sync(*spool, make_submission("m" + std::to_string(round), {"cps"})).ok());
    for (const char* suffix : {"", "-wal", "-shm", ".manifest", ".lock"}) {
      EXPECT_EQ(mode_of(db + suffix), 0600u) << "round " << round << ": spool.db" << suffix;
    }
    spool.reset();
    ::chmod(db.c_str(), 0644);  // as an older gateway left it
  }
  ::umask(old_umask);
}

}  // namespace
}  // namespace accord::spool
