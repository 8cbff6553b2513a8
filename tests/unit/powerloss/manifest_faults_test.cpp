// The spool's manifest through a FaultInjectionEnv: what docs/storage.md promises when its
// reads and writes fail (an unreadable manifest is `corrupt`; a failed write is logged,
// leaves the previous manifest, and the next open accepts it because it is only behind).
#include <gtest/gtest.h>

#include <string>

#include "accord/env/fault_injection_env.hpp"
#include "accord/spool/sqlite_spool.hpp"
#include "accord/testing/temp_dir.hpp"
#include "spool_calls.hpp"

namespace accord::spool {
namespace {

using Op = env::FaultInjectionEnv::Op;

Submission one(const std::string& id) {
  Submission s;
  s.sender = "police.met";
  s.message_id = id;
  s.content_hash = "hash-" + id;
  s.event_type = "hearing.scheduled";
  s.case_urn = "urn:accord:case:" + id;
  Copy copy;
  copy.recipient = "cps";
  copy.payload = "payload of " + id;
  s.copies.push_back(copy);
  return s;
}

TEST(SpoolManifestFaults, AFailedManifestReadRefusesTheOpenAsCorrupt) {
  accord::testing::TempDir dir("accord-manifest-faults-");
  env::FaultInjectionEnv files;
  SqliteSpoolOptions o;
  o.path = dir.file("spool.db");
  o.env = &files;
  {
    auto first = open_sqlite_spool(o);
    ASSERT_TRUE(first.ok()) << first.error().message;
  }
  files.fail(Op::read_file, 1, "io_error");
  auto refused = open_sqlite_spool(o);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "corrupt");
  EXPECT_NE(refused.error().message.find("injected fault"), std::string::npos)
      << refused.error().message;
  EXPECT_TRUE(open_sqlite_spool(o).ok());  // the fault was one read; the manifest is fine
}

TEST(SpoolManifestFaults, FailedManifestWritesLeaveTheOldOneWhichTheNextOpenAccepts) {
  accord::testing::TempDir dir("accord-manifest-faults-");
  env::FaultInjectionEnv files;
  SqliteSpoolOptions o;
  o.path = dir.file("spool.db");
  o.env = &files;
  {
    auto spool = open_sqlite_spool(o);  // writes the first manifest: 0 submissions
    ASSERT_TRUE(spool.ok()) << spool.error().message;
    const std::string before = *files.read_file(spool_manifest_path(o.path));
    files.fail(Op::replace_file, env::FaultInjectionEnv::kAlways, "io_error");
    for (const char* id : {"m1", "m2", "m3"}) {
      auto r = calls::append(**spool, one(id));
      ASSERT_TRUE(r.ok()) << r.error().message;  // the data commits; only the manifest fails
    }
    spool->reset();  // the clean shutdown's manifest write fails too
    EXPECT_EQ(*files.read_file(spool_manifest_path(o.path)), before);
  }
  files.clear_faults();
  auto reopened = open_sqlite_spool(o);
  ASSERT_TRUE(reopened.ok()) << reopened.error().code << " " << reopened.error().message;
  EXPECT_EQ(calls::append(**reopened, one("m2"))->outcome, AppendOutcome::duplicate);
}

}  // namespace
}  // namespace accord::spool
