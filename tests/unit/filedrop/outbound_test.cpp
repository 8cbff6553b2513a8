#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "accord/adapters/filedrop.hpp"
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
  std::unique_ptr<OutboundAdapter> make(const std::string& directory, bool fsync = true) {
    AdapterContext c;
    c.agency = "cps.london";
    c.io = &io_;
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
