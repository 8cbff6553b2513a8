// parse_zmq_port (strict, "line:col" errors) and the CURVE key files.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "accord/adapters/zmq/curve_key.hpp"
#include "accord/adapters/zmq/options.hpp"
#include "accord/testing/temp_dir.hpp"
#include "zmq_support.hpp"

namespace accord::adapters {
namespace {

using testing::TempDir;
using zmqtest::new_keys;

const std::string kKeyA = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
const std::string kKeyB = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";

struct Row {
  std::string name;
  std::string yaml;
  std::string code;   // empty: parses
  std::string where;  // expected "line:col" for errors
};

// Rows print as their name, not as bytes.
void PrintTo(const Row& row, std::ostream* os) {
  *os << row.name;
}

class ParseZmqPort : public ::testing::TestWithParam<Row> {};

TEST_P(ParseZmqPort, Row) {
  const auto& row = GetParam();
  const auto parsed = parse_zmq_port(YAML::Load(row.yaml)["zmq"], "/etc/accord");
  if (row.code.empty()) {
    ASSERT_TRUE(parsed.ok()) << parsed.error().message << " at " << parsed.error().path;
    EXPECT_EQ(parsed->secret_key_path, "/etc/var/zmq.key");
  } else {
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().code, row.code) << parsed.error().message;
    EXPECT_EQ(parsed.error().path, row.where) << parsed.error().message;
  }
}

std::string with(const std::string& extra) {
  return "zmq:\n  endpoint: tcp://127.0.0.1:5600\n  secret_key: ../var/zmq.key\n" + extra;
}

INSTANTIATE_TEST_SUITE_P(
    Rows, ParseZmqPort,
    ::testing::Values(
        Row{"minimal", with(""), "", ""},
        Row{"full",
            with("  heartbeat_ms: 100\n  ack_timeout_ms: 200\n  max_in_flight: 3\n"
                 "  max_submit_in_flight: 4\n  max_frame_bytes: 5000\n  adapters:\n"
                 "    - agency: a\n      public_key: \"" +
                 kKeyA +
                 "\"\n"
                 "    - agency: b\n      public_key: \"" +
                 kKeyB + "\"\n"),
            "", ""},
        Row{"unknown_key", with("  colour: blue\n"), "invalid_config", "4:3"},
        Row{"not_a_mapping", "zmq: [1, 2]\n", "invalid_config", "1:6"},
        Row{"no_endpoint", "zmq:\n  secret_key: k\n", "invalid_config", "2:3"},
        Row{"no_secret_key", "zmq:\n  endpoint: tcp://x:1\n", "invalid_config", "2:3"},
        Row{"bad_scheme", "zmq:\n  endpoint: udp://x:1\n  secret_key: k\n", "invalid_config",
            "2:13"},
        Row{"zero_heartbeat", with("  heartbeat_ms: 0\n"), "invalid_config", "4:17"},
        Row{"text_in_limit", with("  max_in_flight: many\n"), "invalid_config", "4:18"},
        Row{"negative_limit", with("  max_submit_in_flight: -1\n"), "invalid_config", "4:25"},
        Row{"adapters_not_list", with("  adapters: {}\n"), "invalid_config", "4:13"},
        Row{"short_key", with("  adapters:\n    - agency: a\n      public_key: abc\n"),
            "invalid_config", "6:19"},
        Row{"non_z85_key",
            with("  adapters:\n    - agency: a\n      public_key: \"" + std::string(40, '~') +
                 "\"\n"),
            "invalid_config", "6:19"},
        Row{"no_agency", with("  adapters:\n    - public_key: \"" + kKeyA + "\"\n"),
            "invalid_config", "5:7"},
        Row{"key_and_file",
            with("  adapters:\n    - agency: a\n      public_key: \"" + kKeyA +
                 "\"\n      public_key_file: x.pub\n"),
            "invalid_config", "7:24"},
        Row{"missing_key_file",
            with("  adapters:\n    - agency: a\n      public_key_file: /nonexistent.pub\n"),
            "invalid_config", "6:24"},
        Row{"two_keys_one_agency",
            with("  adapters:\n    - agency: a\n      public_key: \"" + kKeyA +
                 "\"\n    - agency: a\n      public_key: \"" + kKeyB + "\"\n"),
            "invalid_config", "7:7"},
        Row{"one_key_two_agencies",
            with("  adapters:\n    - agency: a\n      public_key: \"" + kKeyA +
                 "\"\n    - agency: b\n      public_key: \"" + kKeyA + "\"\n"),
            "invalid_config", "7:7"},
        Row{"adapter_unknown_key",
            with("  adapters:\n    - agency: a\n      public_key: \"" + kKeyA +
                 "\"\n      url: http://x\n"),
            "invalid_config", "7:7"}),
    [](const auto& info) { return info.param.name; });

TEST(ZmqKeys, PublicKeyFileResolvesAgainstBaseDir) {
  TempDir dir("accord-zmq-");
  const auto keys = new_keys();
  zmqtest::write_text(dir.file("a.pub"), keys.public_key + "\n");
  const auto parsed = parse_zmq_port(
      YAML::Load(with("  adapters:\n    - agency: a\n      public_key_file: a.pub\n"))["zmq"],
      dir.path());
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_EQ(parsed->adapters.size(), 1u);
  EXPECT_EQ(parsed->adapters[0].public_key, keys.public_key);
}

TEST(ZmqKeys, SecretKeyIsCreated0600AndReloaded) {
  TempDir dir("accord-zmq-");
  const auto path = dir.file("sub/server.key");
  const auto created = load_or_create_secret_key(path);
  ASSERT_TRUE(created.ok()) << created.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_TRUE(is_z85_key(created->public_key));
  EXPECT_NE(created->public_key, created->secret_key);
  const auto again = load_or_create_secret_key(path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->public_key, created->public_key);
  EXPECT_EQ(again->secret_key, created->secret_key);
}

TEST(ZmqKeys, BadSecretKeyFilesAreRefused) {
  TempDir dir("accord-zmq-");
  struct Case {
    std::string content;
    mode_t mode;
    std::string code;
  };
  const std::vector<Case> cases = {
      {new_keys().secret_key, 0644, "insecure_key"},
      {new_keys().secret_key, 0640, "insecure_key"},
      {"not a key", 0600, "invalid_key"},
      {"", 0600, "invalid_key"},
      {std::string(40, '~'), 0600, "invalid_key"},
      {new_keys().secret_key + new_keys().secret_key, 0600, "invalid_key"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto path = dir.file("k" + std::to_string(i));
    zmqtest::write_text(path, cases[i].content);
    ::chmod(path.c_str(), cases[i].mode);
    const auto loaded = load_or_create_secret_key(path);
    ASSERT_FALSE(loaded.ok()) << i;
    EXPECT_EQ(loaded.error().code, cases[i].code) << i;
    // The message names the file, never the key material.
    EXPECT_EQ(loaded.error().message.find(cases[i].content.empty() ? "\x01" : cases[i].content),
              std::string::npos);
  }
  const auto unreadable = load_or_create_secret_key(dir.file("no-dir/x/../../k0/server.key"));
  EXPECT_FALSE(unreadable.ok());
}

}  // namespace
}  // namespace accord::adapters
