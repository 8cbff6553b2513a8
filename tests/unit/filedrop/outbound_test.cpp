#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "accord/adapters/filedrop.hpp"
#include "accord/env/fault_injection_env.hpp"
#include "accord/testing/io_threads.hpp"
#include "accord/testing/temp_dir.hpp"

namespace accord::adapters {
namespace {

namespace fs = std::filesystem;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::string> listing(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

OutboundMessage message() {
  OutboundMessage m;
  m.delivery_id = 42;
  m.recipient = "cps.london";
  m.sender = "police.met";
  m.message_id = "met-ref-2026:000417";
  m.received_at_ms = 1763631000123;
  // Bytes a text-mode writer would alter: CRLF, a NUL, non-ASCII.
  m.document = std::string("{\"envelope\":{\"id\":\"x\"},\r\n\"signature\":\"caf\xC3\xA9\"}") +
               std::string(1, '\0') + "end";
  return m;
}

class FiledropOutboundTest : public ::testing::Test {
 protected:
  std::unique_ptr<OutboundAdapter> make(const std::string& directory, bool fsync = true,
                                        env::Env* env = nullptr) {
    AdapterContext c;
    c.agency = "cps.london";
    c.io = &io_;
    c.env = env;
    c.settings = YAML::Load("{type: filedrop, directory: '" + directory +
                            "', fsync: " + (fsync ? "true" : "false") + "}");
    auto made = make_filedrop_outbound(c);
    EXPECT_TRUE(made.ok()) << made.error().message;
    return made.ok() ? std::move(*made) : nullptr;
  }

  DeliveryOutcome deliver(OutboundAdapter& adapter, OutboundMessage m) {
    auto promise = std::make_shared<std::promise<DeliveryOutcome>>();
    auto future = promise->get_future();
    adapter.deliver(std::move(m),
                    [promise](DeliveryOutcome o) { promise->set_value(std::move(o)); });
    // The limit only keeps a broken build from hanging.
    if (future.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
      ADD_FAILURE() << "done never ran";
      return {};
    }
    return future.get();
  }

  // Hands over `copies` at once, as the worker does with a window, and waits for every outcome.
  std::vector<DeliveryOutcome> deliver_all(OutboundAdapter& adapter,
                                           const std::vector<OutboundMessage>& copies) {
    std::vector<std::shared_ptr<std::promise<DeliveryOutcome>>> promises;
    std::vector<std::future<DeliveryOutcome>> futures;
    for (const auto& m : copies) {
      promises.push_back(std::make_shared<std::promise<DeliveryOutcome>>());
      futures.push_back(promises.back()->get_future());
      adapter.deliver(m, [p = promises.back()](DeliveryOutcome o) { p->set_value(std::move(o)); });
    }
    std::vector<DeliveryOutcome> out;
    for (auto& f : futures) {
      if (f.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
        ADD_FAILURE() << "done never ran";
        out.emplace_back();
        continue;
      }
      out.push_back(f.get());
    }
    return out;
  }

  static std::vector<OutboundMessage> copies(int n) {
    std::vector<OutboundMessage> out;
    for (int i = 0; i < n; ++i) {
      auto m = message();
      m.delivery_id = 100 + i;
      m.message_id = "met-ref-" + std::to_string(i);
      m.document = "{\"copy\":" + std::to_string(i) + "}";
      out.push_back(std::move(m));
    }
    return out;
  }

  boost::asio::io_context io_;
  testing::IoThreads threads_{io_, 1};
  testing::TempDir dir_{"accord-filedrop-out-"};
};

TEST_F(FiledropOutboundTest, WritesOneFileByteExactWithNoTempLeft) {
  for (bool fsync : {true, false}) {
    testing::TempDir dir("accord-filedrop-out-");
    auto adapter = make(dir.path(), fsync);
    ASSERT_NE(adapter, nullptr);
    EXPECT_EQ(adapter->kind(), "filedrop");
    const auto outcome = deliver(*adapter, message());
    EXPECT_EQ(outcome.status, DeliveryStatus::delivered) << outcome.detail;
    const std::string name = "1763631000123-42-met-ref-2026_000417.json";
    EXPECT_EQ(listing(dir.path()), std::vector<std::string>{name});
    EXPECT_EQ(slurp(dir.file(name)), message().document);
  }
}

TEST_F(FiledropOutboundTest, CopiesAre0640NarrowedByTheUmask) {
  // docs/adapters.md: the operator's umask may tighten the mode, never widen it.
  struct Row {
    mode_t umask;
    unsigned mode;
  };
  for (const Row row : {Row{022, 0640}, Row{027, 0640}, Row{077, 0600}, Row{0, 0640}}) {
    testing::TempDir dir("accord-filedrop-out-");
    auto adapter = make(dir.path());
    ASSERT_NE(adapter, nullptr);
    const mode_t previous = ::umask(row.umask);
    const auto outcome = deliver(*adapter, message());
    ::umask(previous);
    ASSERT_EQ(outcome.status, DeliveryStatus::delivered) << outcome.detail;
    const auto perms = fs::status(dir.file(filedrop_file_name(message()))).permissions();
    EXPECT_EQ(static_cast<unsigned>(perms), row.mode) << std::oct << "umask " << row.umask;
  }
}

TEST_F(FiledropOutboundTest, RedeliveryOverwritesTheSameFile) {
  auto adapter = make(dir_.path());
  ASSERT_NE(adapter, nullptr);
  ASSERT_EQ(deliver(*adapter, message()).status, DeliveryStatus::delivered);
  auto again = message();
  again.attempt = 2;
  again.document = "{\"second\":true}";
  ASSERT_EQ(deliver(*adapter, again).status, DeliveryStatus::delivered);
  const auto files = listing(dir_.path());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(slurp(dir_.file(files[0])), "{\"second\":true}");
}

TEST_F(FiledropOutboundTest, MissingDirectoryIsRetryLaterWithTheReason) {
  auto adapter = make(dir_.file("absent"));
  ASSERT_NE(adapter, nullptr);
  const auto outcome = deliver(*adapter, message());
  EXPECT_EQ(outcome.status, DeliveryStatus::retry_later);
  EXPECT_NE(outcome.detail.find("No such file or directory"), std::string::npos) << outcome.detail;
  // Once the directory exists the same copy goes through.
  fs::create_directory(dir_.file("absent"));
  EXPECT_EQ(deliver(*adapter, message()).status, DeliveryStatus::delivered);
}

TEST_F(FiledropOutboundTest, TargetThatIsADirectoryIsRetryLaterAndLeavesNoTemp) {
  auto adapter = make(dir_.path());
  ASSERT_NE(adapter, nullptr);
  const std::string name = filedrop_file_name(message());
  fs::create_directory(dir_.file(name));  // rename(file, dir) fails with EISDIR
  const auto outcome = deliver(*adapter, message());
  EXPECT_EQ(outcome.status, DeliveryStatus::retry_later);
  EXPECT_NE(outcome.detail.find("Is a directory"), std::string::npos) << outcome.detail;
  EXPECT_EQ(listing(dir_.path()), std::vector<std::string>{name});
}

TEST_F(FiledropOutboundTest, AfterStopEveryDeliveryIsRetryLater) {
  auto adapter = make(dir_.path());
  ASSERT_NE(adapter, nullptr);
  adapter->stop();
  adapter->stop();  // idempotent
  const auto outcome = deliver(*adapter, message());
  EXPECT_EQ(outcome.status, DeliveryStatus::retry_later);
  EXPECT_TRUE(listing(dir_.path()).empty());
}

TEST_F(FiledropOutboundTest, AWindowOfCopiesIsWrittenWholeAndDurable) {
  // Group commit: 40 copies handed over at once, written by several writers, sharing directory
  // fsyncs. Every one is delivered, byte exact, under its own name; no temporary is left; and
  // a power cut right after the outcomes loses none of them (each was reported only after a
  // directory fsync that followed its rename).
  env::FaultInjectionEnv env;
  auto adapter = make(dir_.path(), true, &env);
  ASSERT_NE(adapter, nullptr);
  EXPECT_EQ(adapter->max_in_flight(), 32u);
  const auto sent = copies(40);
  const auto outcomes = deliver_all(*adapter, sent);
  for (const auto& o : outcomes) EXPECT_EQ(o.status, DeliveryStatus::delivered) << o.detail;
  env.cut_power();
  ASSERT_TRUE(env.drop_unsynced().ok());
  std::vector<std::string> expected;
  for (const auto& m : sent) expected.push_back(filedrop_file_name(m));
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(listing(dir_.path()), expected);
  for (const auto& m : sent) {
    EXPECT_EQ(slurp(dir_.file(filedrop_file_name(m))), m.document);
  }
}

TEST_F(FiledropOutboundTest, AnUnwritableCopyMidBatchIsRetriedAndTheOthersDelivered) {
  auto adapter = make(dir_.path());
  ASSERT_NE(adapter, nullptr);
  const auto sent = copies(20);
  const std::string blocked = filedrop_file_name(sent[7]);
  fs::create_directory(dir_.file(blocked));  // its rename fails (EISDIR)
  const auto outcomes = deliver_all(*adapter, sent);
  for (std::size_t i = 0; i < sent.size(); ++i) {
    if (i == 7) {
      EXPECT_EQ(outcomes[i].status, DeliveryStatus::retry_later);
      EXPECT_NE(outcomes[i].detail.find("Is a directory"), std::string::npos) << outcomes[i].detail;
    } else {
      EXPECT_EQ(outcomes[i].status, DeliveryStatus::delivered) << i << outcomes[i].detail;
      EXPECT_EQ(slurp(dir_.file(filedrop_file_name(sent[i]))), sent[i].document);
    }
  }
  EXPECT_EQ(listing(dir_.path()).size(), 20u) << "19 files and the directory, no temporary";
  EXPECT_TRUE(fs::is_directory(dir_.file(blocked)));
}

TEST_F(FiledropOutboundTest, AFailedDirectoryFsyncDeliversNothingOfItsBatch) {
  // The files were written and renamed, but their names are not durable: nothing of the batch
  // may be acked. A power cut then takes every one of them away, which is why.
  env::FaultInjectionEnv env;
  env.fail(env::FaultInjectionEnv::Op::sync_directory, env::FaultInjectionEnv::kAlways);
  auto adapter = make(dir_.path(), true, &env);
  ASSERT_NE(adapter, nullptr);
  const auto outcomes = deliver_all(*adapter, copies(12));
  for (const auto& o : outcomes) {
    EXPECT_EQ(o.status, DeliveryStatus::retry_later);
    EXPECT_NE(o.detail.find("injected fault: sync_directory"), std::string::npos) << o.detail;
  }
  env.clear_faults();
  env.cut_power();
  ASSERT_TRUE(env.drop_unsynced().ok());
  EXPECT_TRUE(listing(dir_.path()).empty());
  // Redelivered once the disk is back: delivered, and durable.
  const auto again = deliver_all(*adapter, copies(12));
  for (const auto& o : again) EXPECT_EQ(o.status, DeliveryStatus::delivered) << o.detail;
  env.cut_power();
  ASSERT_TRUE(env.drop_unsynced().ok());
  EXPECT_EQ(listing(dir_.path()).size(), 12u);
}

TEST(FiledropFileName, SanitisesTheMessageId) {
  OutboundMessage m;
  m.received_at_ms = 7;
  m.delivery_id = 9;
  for (const auto& [id, expected] : std::vector<std::pair<std::string, std::string>>{
           {"abc-1.2_3", "7-9-abc-1.2_3.json"},
           {"a:b", "7-9-a_b.json"},
           {"../../etc/passwd", "7-9-.._.._etc_passwd.json"},
           {"", "7-9-_.json"},
           {std::string(200, 'x'), "7-9-" + std::string(128, 'x') + ".json"}}) {
    m.message_id = id;
    EXPECT_EQ(filedrop_file_name(m), expected) << id;
  }
}

}  // namespace
}  // namespace accord::adapters
