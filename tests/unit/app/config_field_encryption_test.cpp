// field_encryption.epoch_seconds (docs/operations.md): how long one data key per recipient
// key encrypts fields. 1 to 86400, default 3600; 0 is refused, not read as "a key per copy".
#include <gtest/gtest.h>

#include <string>

#include "accord/app/config.hpp"

namespace accord::app {
namespace {

std::string config_with(const std::string& section) {
  return "tls: {ca: ca.pem, cert: server.pem, key: server.key, crl: crl.pem}\n"
         "storage: {path: var/spool.db}\n"
         "vocabulary: vocabulary.yaml\n"
         "agencies: agencies.yaml\n"
         "agreements: agreements\n" +
         section;
}

struct EpochRow {
  const char* name;
  const char* section;
  std::int64_t seconds;  // when accepted
  const char* error;     // part of the message when refused ("" = accepted)
};

class ConfigEpochSeconds : public ::testing::TestWithParam<EpochRow> {};

TEST_P(ConfigEpochSeconds, Row) {
  const auto& row = GetParam();
  auto config = parse_config(config_with(row.section), "/etc/accord", "gateway.yaml");
  if (std::string(row.error).empty()) {
    ASSERT_TRUE(config.ok()) << config.error().message;
    EXPECT_EQ(config->field_key_epoch_seconds, row.seconds);
    return;
  }
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, "invalid_config");
  EXPECT_NE(config.error().message.find(row.error), std::string::npos) << config.error().message;
  EXPECT_NE(config.error().path.find("gateway.yaml"), std::string::npos) << config.error().path;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ConfigEpochSeconds,
    ::testing::Values(EpochRow{"Default", "", 3600, ""},
                      EpochRow{"OneSecond", "field_encryption: {epoch_seconds: 1}\n", 1, ""},
                      EpochRow{"OneDay", "field_encryption: {epoch_seconds: 86400}\n", 86400, ""},
                      EpochRow{"Zero", "field_encryption: {epoch_seconds: 0}\n", 0,
                               "field_encryption.epoch_seconds must be from 1 to 86400"},
                      EpochRow{"Negative", "field_encryption: {epoch_seconds: -5}\n", 0,
                               "field_encryption.epoch_seconds must be from 1 to 86400"},
                      EpochRow{"OverADay", "field_encryption: {epoch_seconds: 86401}\n", 0,
                               "field_encryption.epoch_seconds must be from 1 to 86400"},
                      EpochRow{"NotANumber", "field_encryption: {epoch_seconds: hourly}\n", 0,
                               "field_encryption.epoch_seconds has the wrong type"},
                      EpochRow{"UnknownKey", "field_encryption: {epoch_secs: 60}\n", 0,
                               "epoch_secs"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace accord::app
