// Every key of the gateway configuration (docs/operations.md, "Configuration reference"):
// one row per key with a good value (and where it lands in GatewayConfig) and a bad value
// (invalid_config, the message, and file:line:col of the offending node). Then the strictness
// rules: unknown keys with a suggestion, duplicates at any depth, missing required keys.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <string>
#include <vector>

#include "accord/app/config.hpp"

namespace accord::app {
namespace {

using std::chrono::milliseconds;

// A config written as block YAML: `section: {key: value}` entries, "" for top-level keys.
struct Line {
  std::string section;
  std::string key;
  std::string value;
};

const std::vector<Line> kRequired = {{"tls", "ca", "ca.pem"},
                                     {"tls", "cert", "server.pem"},
                                     {"tls", "key", "server.key"},
                                     {"tls", "crl", "crl.pem"},
                                     {"storage", "path", "var/spool.db"},
                                     {"", "vocabulary", "vocabulary.yaml"},
                                     {"", "agencies", "agencies.yaml"},
                                     {"", "agreements", "agreements"}};

// The text of kRequired with `row` replacing the line of the same key (or added), and the
// "line:col" where row's value starts.
std::pair<std::string, std::string> write(const Line& row) {
  std::vector<Line> lines;
  bool replaced = false;
  for (const Line& l : kRequired) {
    const bool same = l.section == row.section && l.key == row.key;
    lines.push_back(same ? row : l);
    replaced = replaced || same;
  }
  if (!replaced) lines.push_back(row);
  std::string text, where;
  int line_no = 0;
  std::vector<std::string> sections;
  for (const Line& l : lines) {
    if (std::find(sections.begin(), sections.end(), l.section) != sections.end()) continue;
    sections.push_back(l.section);
    if (!l.section.empty()) text += l.section + ":\n", ++line_no;
    for (const Line& m : lines) {
      if (m.section != l.section) continue;
      const std::string indent = m.section.empty() ? "" : "  ";
      ++line_no;
      if (m.section == row.section && m.key == row.key) {
        where = std::to_string(line_no) + ":" +
                std::to_string(indent.size() + m.key.size() + 3);  // after "key: "
      }
      text += indent + m.key + ": " + m.value + "\n";
    }
  }
  return {text, where};
}

struct KeyRow {
  std::string section, key;
  std::string good;
  std::function<bool(const GatewayConfig&)> landed;
  std::string bad;
  std::string message;    // part of the error for `bad`
  int column_offset = 0;  // the error's node starts this far into `bad`
};

std::string row_name(const KeyRow& row) {
  std::string name = (row.section.empty() ? "" : row.section + "_") + row.key;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

class ConfigKeyRows : public ::testing::TestWithParam<KeyRow> {};

TEST_P(ConfigKeyRows, GoodValueLands) {
  const KeyRow& row = GetParam();
  const auto [text, where] = write({row.section, row.key, row.good});
  const auto config = parse_config(text, "/etc/accord", "gateway.yaml");
  ASSERT_TRUE(config.ok()) << config.error().message << " at " << config.error().path << "\n"
                           << text;
  EXPECT_TRUE(row.landed(*config)) << text;
}

TEST_P(ConfigKeyRows, BadValueIsRefusedAtItsPosition) {
  const KeyRow& row = GetParam();
  const auto [text, where] = write({row.section, row.key, row.bad});
  const auto config = parse_config(text, "/etc/accord", "gateway.yaml");
  ASSERT_FALSE(config.ok()) << text;
  EXPECT_EQ(config.error().code, "invalid_config");
  const auto colon = where.find(':');
  const std::string expected =
      "gateway.yaml:" + where.substr(0, colon) + ":" +
      std::to_string(std::stoi(where.substr(colon + 1)) + row.column_offset);
  EXPECT_EQ(config.error().path, expected) << config.error().message << "\n" << text;
  EXPECT_NE(config.error().message.find(row.message), std::string::npos) << config.error().message;
}

const auto kWrongNumber = "has the wrong type: expected a whole number";
const auto kNotPositive = "must be greater than 0";

INSTANTIATE_TEST_SUITE_P(
    EveryKey, ConfigKeyRows,
    ::testing::Values(
        KeyRow{"listen", "address", "0.0.0.0",
               [](auto& c) { return c.server.address == "0.0.0.0"; }, "[a]",
               "listen.address has the wrong type: expected text, got a list"},
        KeyRow{"listen", "port", "8443", [](auto& c) { return c.server.port == 8443; }, "70000",
               "listen.port must be 0..65535"},
        KeyRow{"admin_listen", "address", "127.0.0.2",
               [](auto& c) { return c.admin_enabled && c.admin_address == "127.0.0.2"; }, "{a: 1}",
               "admin_listen.address has the wrong type"},
        KeyRow{"admin_listen", "port", "8444", [](auto& c) { return c.admin_port == 8444; }, "-1",
               "admin_listen.port must be 0..65535"},
        KeyRow{"admin_listen", "console", "false", [](auto& c) { return !c.console.enabled; },
               "maybe", "admin_listen.console has the wrong type: expected true or false"},
        KeyRow{"admin_listen", "console_dir", "console",
               [](auto& c) { return c.console.enabled && c.console.dir == "/etc/accord/console"; },
               "[a]", "admin_listen.console_dir has the wrong type"},
        KeyRow{"", "threads", "4", [](auto& c) { return c.threads == 4; }, "0",
               "threads must be greater than 0"},
        KeyRow{"tls", "ca", "/pki/ca.pem", [](auto& c) { return c.server.tls.ca == "/pki/ca.pem"; },
               "\"\"", "tls.ca must not be empty"},
        KeyRow{"tls", "cert", "certs/s.pem",
               [](auto& c) { return c.server.tls.cert == "/etc/accord/certs/s.pem"; }, "[x]",
               "tls.cert has the wrong type: expected text"},
        KeyRow{"tls", "key", "../k/s.key",
               [](auto& c) { return c.server.tls.key == "/etc/k/s.key"; }, "\"\"",
               "tls.key must not be empty"},
        KeyRow{"tls", "crl", "crl2.pem",
               [](auto& c) { return c.server.tls.crl == "/etc/accord/crl2.pem"; }, "{}",
               "tls.crl has the wrong type"},
        KeyRow{"tls", "revocation", "crl",
               [](auto& c) { return c.server.tls.revocation == server::Revocation::crl; },
               "sometimes", "tls.revocation must be crl or none"},
        KeyRow{"tls", "crl_check_interval_seconds", "0",
               [](auto& c) { return c.server.crl_check_interval == std::chrono::seconds(0); }, "-5",
               "tls.crl_check_interval_seconds must be 0 (off) or more"},
        KeyRow{"tls", "crl_warn_before_hours", "48",
               [](auto& c) { return c.server.crl_warn_before == std::chrono::hours(48); }, "0",
               "tls.crl_warn_before_hours must be greater than 0"},
        // postgresql needs more keys than one row can give: ConfigStorageRows below.
        KeyRow{"storage", "backend", "sqlite",
               [](auto& c) { return c.storage_backend == StorageBackend::sqlite; }, "postgres",
               "storage.backend 'postgres' is not available (supported: sqlite, postgresql)"},
        KeyRow{"storage", "path", "/data/s.db",
               [](auto& c) {
                 return c.storage.path == "/data/s.db" &&
                        c.pseudonym_key_path == "/data/pseudonym.key" &&
                        c.signing_key_path == "/data/gateway-signing.key";
               },
               "\"\"", "storage.path must not be empty"},
        KeyRow{"storage", "max_batch", "64", [](auto& c) { return c.storage.max_batch == 64u; },
               "0", kNotPositive},
        KeyRow{"storage", "max_pending", "100",
               [](auto& c) { return c.storage.max_pending == 100u; }, "lots", kWrongNumber},
        KeyRow{"", "vocabulary", "v.yaml",
               [](auto& c) { return c.vocabulary_path == "/etc/accord/v.yaml"; }, "[x]",
               "vocabulary has the wrong type"},
        KeyRow{"", "agencies", "a.yaml",
               [](auto& c) { return c.agencies_path == "/etc/accord/a.yaml"; }, "\"\"",
               "agencies must not be empty"},
        // Without a signatures: key, statements are read beside the agreements.
        KeyRow{"", "agreements", "/srv/isa",
               [](auto& c) {
                 return c.agreements_path == "/srv/isa" && c.signatures_path == "/srv/isa";
               },
               "{a: b}", "agreements has the wrong type"},
        KeyRow{"", "signatures", "sigs",
               [](auto& c) {
                 return c.signatures_path == "/etc/accord/sigs" &&
                        c.agreements_path == "/etc/accord/agreements";
               },
               "[a]", "signatures has the wrong type"},
        KeyRow{"", "agreement_notice_days", "7",
               [](auto& c) { return c.agreement_notice_days == 7; }, "0", kNotPositive},
        KeyRow{"", "pseudonym_key", "k/p.key",
               [](auto& c) { return c.pseudonym_key_path == "/etc/accord/k/p.key"; }, "\"\"",
               "pseudonym_key must not be empty"},
        KeyRow{"", "keys", "keys", [](auto& c) { return c.keys_path == "/etc/accord/keys"; }, "[a]",
               "keys has the wrong type"},
        KeyRow{"", "signing_key", "s.key",
               [](auto& c) { return c.signing_key_path == "/etc/accord/s.key"; }, "\"\"",
               "signing_key must not be empty"},
        KeyRow{
            "limits", "max_body_bytes", "1000",
            [](auto& c) { return c.server.max_body_bytes == 1000u && c.decode.max_bytes == 1000u; },
            "0", "limits.max_body_bytes must be greater than 0"},
        KeyRow{"limits", "max_batch_body_bytes", "65536",
               [](auto& c) { return c.max_batch_body_bytes == 65536u; }, "0",
               "limits.max_batch_body_bytes must be greater than 0"},
        KeyRow{"limits", "max_batch_items", "16",
               [](auto& c) { return c.api.max_batch_items == 16u; }, "-1", kNotPositive},
        KeyRow{"limits", "max_connections", "10",
               [](auto& c) { return c.server.max_connections == 10u; }, "ten", kWrongNumber},
        KeyRow{"limits", "max_pending_handshakes_per_source", "3",
               [](auto& c) { return c.server.max_pending_handshakes_per_source == 3u; }, "-2",
               kNotPositive},
        KeyRow{"limits", "max_connections_per_agency", "5",
               [](auto& c) { return c.server.max_connections_per_agency == 5u; }, "1.5",
               kWrongNumber},
        KeyRow{"limits", "max_fields", "20", [](auto& c) { return c.decode.max_fields == 20u; },
               "0", kNotPositive},
        KeyRow{"limits", "max_depth", "4", [](auto& c) { return c.decode.max_depth == 4u; }, "[4]",
               kWrongNumber},
        KeyRow{"limits", "handshake_timeout_ms", "250",
               [](auto& c) { return c.server.handshake_timeout == milliseconds(250); }, "0",
               kNotPositive},
        KeyRow{"limits", "request_timeout_ms", "1000",
               [](auto& c) { return c.server.request_timeout == milliseconds(1000); }, "soon",
               kWrongNumber},
        KeyRow{"limits", "idle_timeout_ms", "2000",
               [](auto& c) { return c.server.idle_timeout == milliseconds(2000); }, "-1",
               kNotPositive},
        KeyRow{"limits", "rate_per_agency", "2.5",
               [](auto& c) { return c.api.rate_per_second == 2.5; }, "fast",
               "limits.rate_per_agency has the wrong type: expected a number"},
        KeyRow{"limits", "rate_burst", "10", [](auto& c) { return c.api.rate_burst == 10; }, "0",
               kNotPositive},
        KeyRow{"inbox", "max_batch", "7", [](auto& c) { return c.api.inbox_max_batch == 7u; }, "0",
               "inbox.max_batch must be greater than 0"},
        KeyRow{"inbox", "lease_seconds", "30",
               [](auto& c) { return c.api.default_lease_ms == 30'000; }, "x", kWrongNumber},
        KeyRow{"inbox", "max_lease_seconds", "60",
               [](auto& c) { return c.api.max_lease_ms == 60'000; }, "0", kNotPositive},
        KeyRow{"audit", "enabled", "false", [](auto& c) { return !c.storage.audit.enabled; },
               "maybe", "audit.enabled has the wrong type: expected true or false, got 'maybe'"},
        KeyRow{"audit", "checkpoint_every_records", "50",
               [](auto& c) { return c.storage.audit.checkpoint_every_records == 50; }, "0",
               kNotPositive},
        KeyRow{"audit", "checkpoint_every_seconds", "5",
               [](auto& c) { return c.storage.audit.checkpoint_every_ms == 5000; }, "five",
               kWrongNumber},
        KeyRow{"field_encryption", "epoch_seconds", "600",
               [](auto& c) { return c.field_key_epoch_seconds == 600; }, "0",
               "field_encryption.epoch_seconds must be from 1 to 86400"},
        KeyRow{"delivery", "max_attempts", "3",
               [](auto& c) { return c.delivery.retry.max_attempts == 3; }, "0", kNotPositive},
        KeyRow{"delivery", "max_age_hours", "2",
               [](auto& c) { return c.delivery.retry.max_age_ms == 7'200'000; }, "[2]",
               kWrongNumber},
        KeyRow{"delivery", "backoff_initial_ms", "10",
               [](auto& c) { return c.delivery.retry.backoff_initial_ms == 10; }, "0",
               kNotPositive},
        KeyRow{"delivery", "backoff_max_ms", "100",
               [](auto& c) { return c.delivery.retry.backoff_max_ms == 100; }, "-100",
               kNotPositive},
        KeyRow{"delivery", "lease_seconds", "9",
               [](auto& c) { return c.delivery.lease_ms == 9000; }, "0", kNotPositive},
        KeyRow{"delivery", "idle_poll_ms", "50",
               [](auto& c) { return c.delivery.idle_poll == milliseconds(50); }, "fast",
               kWrongNumber},
        KeyRow{"delivery", "circuit_failures", "2",
               [](auto& c) { return c.delivery.circuit_failures == 2; }, "0", kNotPositive},
        KeyRow{"delivery", "circuit_open_ms", "500",
               [](auto& c) { return c.delivery.circuit_open == milliseconds(500); }, "0",
               kNotPositive},
        KeyRow{"log", "level", "debug", [](auto& c) { return c.log_level == "debug"; }, "loud",
               "log.level must be trace, debug, info, warn, error or off"},
        KeyRow{"log", "format", "json",
               [](auto& c) { return c.log_format == logging::LogFormat::json; }, "yaml",
               "log.format must be text or json"},
        KeyRow{"log", "access", "true", [](auto& c) { return c.log_access; }, "sometimes",
               "log.access has the wrong type: expected true or false, got 'sometimes'"},
        KeyRow{"health_listen", "address", "127.0.0.2",
               [](auto& c) { return c.health_enabled && c.health_address == "127.0.0.2"; },
               "[a]", "health_listen.address has the wrong type: expected text, got a list"},
        KeyRow{"health_listen", "port", "8081",
               [](auto& c) {
                 return c.health_enabled && c.health_port == 8081 &&
                        c.health_address == "127.0.0.1";
               },
               "65536", "health_listen.port must be 0..65535"},
        KeyRow{"retention", "purge_every_seconds", "0",
               [](auto& c) { return c.retention.purge_every_seconds == 0; }, "-1",
               "retention.purge_every_seconds must be 0 (no periodic purge) or more"},
        KeyRow{"retention", "default_period", "P90D",
               [](auto& c) {
                 return c.retention.default_period == "P90D" &&
                        c.retention.default_duration == agreements::IsoDuration{0, 0, 0, 90};
               },
               "1 year", "retention.default_period: `1 year` is not an ISO 8601 duration"},
        KeyRow{"retention", "batch_size", "50",
               [](auto& c) { return c.retention.batch_size == 50; }, "0", kNotPositive},
        // adapters: the shape here, each adapter's own keys when the gateway starts.
        KeyRow{"adapters", "police.met", "{outbound: {type: webhook}}",
               [](auto& c) { return c.adapters["police.met"]["outbound"]["type"].IsDefined(); },
               "{outbound: webhook}", "adapters.police.met.outbound must be a mapping with a type",
               11},
        // Status notices (docs/receipts.md): a mailbox agency may have them too.
        KeyRow{"adapters", "wcu.met", "{status_callbacks: true}",
               [](auto& c) { return c.status_callbacks.contains("wcu.met"); },
               "{status_callbacks: maybe}",
               "adapters.wcu.met.status_callbacks has the wrong type: expected true or false", 19},
        KeyRow{"adapters", "cps.london", "{status_callbacks: false, outbound: {type: webhook}}",
               [](auto& c) {
                 return c.status_callbacks.empty() && c.adapters["cps.london"]["outbound"];
               },
               "{status_callbacks: [true]}",
               "adapters.cps.london.status_callbacks has the wrong type: expected true or false",
               19},
        // zmq: kept for the port's own reader; duplicates are refused here already.
        KeyRow{"", "zmq", "{endpoint: \"tcp://127.0.0.1:0\"}",
               [](auto& c) { return c.zmq["endpoint"].IsDefined(); }, "{endpoint: a, endpoint: b}",
               "duplicate key 'endpoint' in zmq (first at", 14}),
    [](const auto& info) { return row_name(info.param); });

// The strictness rules, each with the file:line:col it must name.
struct StrictRow {
  const char* name;
  std::string text;
  const char* path;
  const char* message;
};

class ConfigStrictRows : public ::testing::TestWithParam<StrictRow> {};

TEST_P(ConfigStrictRows, Row) {
  const StrictRow& row = GetParam();
  const auto config = parse_config(row.text, "/etc/accord", "gateway.yaml");
  ASSERT_FALSE(config.ok()) << row.text;
  EXPECT_EQ(config.error().code, "invalid_config");
  EXPECT_EQ(config.error().path, row.path) << config.error().message;
  EXPECT_NE(config.error().message.find(row.message), std::string::npos) << config.error().message;
}

const std::string kBase =
    "tls: {ca: ca.pem, cert: server.pem, key: server.key, crl: crl.pem}\n"  // line 1
    "storage: {path: var/spool.db}\n"                                       // line 2
    "vocabulary: vocabulary.yaml\n"                                         // line 3
    "agencies: agencies.yaml\n"                                             // line 4
    "agreements: agreements\n";                                             // line 5

INSTANTIATE_TEST_SUITE_P(
    Rules, ConfigStrictRows,
    ::testing::Values(
        StrictRow{"unknown_top_key_suggested", kBase + "thread: 2\n", "gateway.yaml:6:1",
                  "unknown key 'thread' in the configuration; did you mean 'threads'?"},
        StrictRow{"unknown_nested_key_suggested", kBase + "delivery:\n  max_atempts: 3\n",
                  "gateway.yaml:7:3",
                  "unknown key 'max_atempts' in delivery; did you mean 'max_attempts'?"},
        StrictRow{"unknown_key_far_from_any", kBase + "colour: blue\n", "gateway.yaml:6:1",
                  "unknown key 'colour' in the configuration; known: adapters, admin_listen"},
        StrictRow{"duplicate_top_level", kBase + "threads: 2\nthreads: 3\n", "gateway.yaml:7:1",
                  "duplicate key 'threads' in the top level (first at 6:1)"},
        StrictRow{"duplicate_in_section", kBase + "limits:\n  max_fields: 2\n  max_fields: 3\n",
                  "gateway.yaml:8:3", "duplicate key 'max_fields' in limits (first at 7:3)"},
        StrictRow{"duplicate_in_adapter_settings",
                  kBase + "adapters:\n  provider.lvws:\n    outbound:\n      type: webhook\n"
                          "      url: https://a\n      url: https://b\n",
                  "gateway.yaml:11:7",
                  "duplicate key 'url' in adapters.provider.lvws.outbound (first at 10:7)"},
        StrictRow{"duplicate_section", kBase + "tls: {ca: other.pem}\n", "gateway.yaml:6:1",
                  "duplicate key 'tls' in the top level (first at 1:1)"},
        StrictRow{"missing_tls",
                  "storage: {path: s.db}\nvocabulary: v\nagencies: a\nagreements: g\n",
                  "gateway.yaml:1:1", "missing required key 'tls' in the configuration"},
        StrictRow{"missing_tls_ca",
                  "tls: {cert: s.pem, key: s.key, crl: c.pem}\nstorage: {path: s.db}\n"
                  "vocabulary: v\nagencies: a\nagreements: g\n",
                  "gateway.yaml:1:6", "missing required key 'ca' in tls"},
        StrictRow{"missing_storage_path",
                  "tls: {ca: c, cert: s.pem, key: s.key, crl: c.pem}\nstorage: {max_batch: 2}\n"
                  "vocabulary: v\nagencies: a\nagreements: g\n",
                  "gateway.yaml:2:10", "missing required key 'path' in storage"},
        StrictRow{"missing_agreements",
                  "tls: {ca: c, cert: s.pem, key: s.key, crl: c.pem}\nstorage: {path: s}\n"
                  "vocabulary: v\nagencies: a\n",
                  "gateway.yaml:1:1", "missing required key 'agreements' in the configuration"},
        StrictRow{"missing_crl_with_revocation_on",
                  "tls: {ca: c, cert: s.pem, key: s.key}\nstorage: {path: s}\n"
                  "vocabulary: v\nagencies: a\nagreements: g\n",
                  "gateway.yaml:1:6", "missing required key 'tls.crl': revocation checking is on"},
        StrictRow{"crl_with_revocation_none",
                  "tls: {ca: c, cert: s.pem, key: s.key, crl: c.pem, revocation: none}\n"
                  "storage: {path: s}\nvocabulary: v\nagencies: a\nagreements: g\n",
                  "gateway.yaml:1:44", "tls.crl is set but tls.revocation is none"},
        StrictRow{"adapter_id_not_text", kBase + "adapters: {[a]: {outbound: {type: mailbox}}}\n",
                  "gateway.yaml:6:12", "adapters keys must be agency ids"},
        StrictRow{"health_port_is_the_agency_port",
                  kBase + "listen: {port: 8443}\nhealth_listen: {port: 8443}\n",
                  "gateway.yaml:7:23",
                  "health_listen.port 8443 is also listen.port; give the health listener a "
                  "port of its own"},
        StrictRow{"health_port_is_the_admin_port",
                  kBase + "admin_listen: {port: 9000}\nhealth_listen: {port: 9000}\n",
                  "gateway.yaml:7:23", "health_listen.port 9000 is also admin_listen.port"},
        StrictRow{"health_listen_unknown_key", kBase + "health_listen: {portt: 1}\n",
                  "gateway.yaml:6:17",
                  "unknown key 'portt' in health_listen; did you mean 'port'?"},
        StrictRow{"section_not_a_mapping", kBase + "limits: 5\n", "gateway.yaml:6:9",
                  "limits must be a mapping, not a single value"},
        StrictRow{"not_a_mapping", "- tls\n", "gateway.yaml:1:1",
                  "the configuration must be a mapping, not a list"},
        StrictRow{"empty_file", "", "gateway.yaml",
                  "the configuration must be a mapping, not nothing"},
        StrictRow{"yaml_syntax", kBase + "limits: {max_fields: 1\n", "gateway.yaml:7:1",
                  "YAML syntax"},
        StrictRow{"two_documents", kBase + "---\nthreads: 2\n", "gateway.yaml:7:1",
                  "several YAML documents"}),
    [](const auto& info) { return std::string(info.param.name); });

// storage.backend and the keys that go with it, as whole files: a good file and where it
// lands, or a bad one with the file:line:col and message of the refusal.
struct StorageRow {
  const char* name;
  std::string text;
  std::function<bool(const GatewayConfig&)> landed;  // empty: the text must be refused
  const char* path = "";
  const char* message = "";
  const char* never_in_message = "";  // e.g. a password
};

class ConfigStorageRows : public ::testing::TestWithParam<StorageRow> {};

TEST_P(ConfigStorageRows, Row) {
  const StorageRow& row = GetParam();
  const auto config = parse_config(row.text, "/etc/accord", "gateway.yaml");
  if (row.landed) {
    ASSERT_TRUE(config.ok()) << config.error().message << " at " << config.error().path << "\n"
                             << row.text;
    EXPECT_TRUE(row.landed(*config)) << row.text;
    return;
  }
  ASSERT_FALSE(config.ok()) << row.text;
  EXPECT_EQ(config.error().code, "invalid_config");
  EXPECT_EQ(config.error().path, row.path) << config.error().message;
  EXPECT_NE(config.error().message.find(row.message), std::string::npos) << config.error().message;
  if (*row.never_in_message != '\0') {
    EXPECT_EQ(config.error().message.find(row.never_in_message), std::string::npos)
        << config.error().message;
  }
}

// Line 1 tls, line 2 storage (the row's), then the files; signing_key and pseudonym_key on
// lines 6 and 7 unless `keys` is false.
std::string storage_text(const std::string& storage, bool signing_key = true,
                         bool pseudonym_key = true) {
  return "tls: {ca: ca.pem, cert: server.pem, key: server.key, crl: crl.pem}\n" + storage +
         "\nvocabulary: vocabulary.yaml\nagencies: agencies.yaml\nagreements: agreements\n" +
         (signing_key ? "signing_key: /srv/shared/gateway-signing.key\n" : "") +
         (pseudonym_key ? "pseudonym_key: /srv/shared/pseudonym.key\n" : "");
}

const std::string kUri =
    "postgresql://accord@db1:5432,db2:5432/accord?target_session_attrs=read-write";

INSTANTIATE_TEST_SUITE_P(
    Backends, ConfigStorageRows,
    ::testing::Values(
        StorageRow{
            "postgresql_defaults",
            storage_text("storage: {backend: postgresql, postgresql: {uri: \"" + kUri + "\"}}"),
            [](const GatewayConfig& c) {
              return c.storage_backend == StorageBackend::postgresql && c.postgresql.uri == kUri &&
                     c.postgresql.commit_timeout_ms == 10'000 &&
                     c.postgresql.connect_timeout_s == 5 && c.storage.path.empty() &&
                     c.signing_key_path == "/srv/shared/gateway-signing.key" &&
                     c.pseudonym_key_path == "/srv/shared/pseudonym.key";
            }},
        StorageRow{"postgresql_timeouts_and_shared_limits",
                   storage_text("storage:\n  backend: postgresql\n  max_batch: 64\n"
                                "  max_pending: 500\n  postgresql:\n"
                                "    uri: postgres://db1/accord\n"
                                "    commit_timeout_seconds: 3\n"
                                "    connect_timeout_seconds: 2"),
                   [](const GatewayConfig& c) {
                     return c.postgresql.uri == "postgres://db1/accord" &&
                            c.postgresql.commit_timeout_ms == 3000 &&
                            c.postgresql.connect_timeout_s == 2 && c.storage.max_batch == 64u &&
                            c.storage.max_pending == 500u;
                   }},
        StorageRow{"sqlite_explicit_keeps_derived_keys",
                   storage_text("storage: {backend: sqlite, path: /data/s.db}", false, false),
                   [](const GatewayConfig& c) {
                     return c.storage_backend == StorageBackend::sqlite &&
                            c.signing_key_path == "/data/gateway-signing.key" &&
                            c.pseudonym_key_path == "/data/pseudonym.key";
                   }},
        StorageRow{"unknown_backend",
                   storage_text("storage: {backend: mysql, path: s.db}"),
                   {},
                   "gateway.yaml:2:20",
                   "storage.backend 'mysql' is not available (supported: sqlite, postgresql)"},
        StorageRow{"uri_not_a_uri",
                   storage_text("storage: {backend: postgresql, postgresql: {uri: \"host=db1 "
                                "password=s3cret\"}}"),
                   {},
                   "gateway.yaml:2:50",
                   "storage.postgresql.uri must be a libpq URI (postgresql://... or "
                   "postgres://...)",
                   "s3cret"},
        StorageRow{"uri_missing",
                   storage_text("storage: {backend: postgresql, postgresql: {"
                                "commit_timeout_seconds: 2}}"),
                   {},
                   "gateway.yaml:2:44",
                   "missing required key 'uri' in storage.postgresql"},
        StorageRow{"commit_timeout_not_positive",
                   storage_text("storage: {backend: postgresql, postgresql: {uri: "
                                "postgresql://db1/a, commit_timeout_seconds: 0}}"),
                   {},
                   "gateway.yaml:2:94",
                   "storage.postgresql.commit_timeout_seconds must be greater than 0"},
        StorageRow{"connect_timeout_wrong_type",
                   storage_text("storage: {backend: postgresql, postgresql: {uri: "
                                "postgresql://db1/a, connect_timeout_seconds: soon}}"),
                   {},
                   "gateway.yaml:2:95",
                   "storage.postgresql.connect_timeout_seconds has the wrong type"},
        StorageRow{"unknown_postgresql_key_suggested",
                   storage_text("storage: {backend: postgresql, postgresql: {url: "
                                "postgresql://db1/a}}"),
                   {},
                   "gateway.yaml:2:45",
                   "unknown key 'url' in storage.postgresql; did you mean 'uri'?"},
        StorageRow{"postgresql_block_with_sqlite_backend",
                   storage_text("storage: {path: s.db, postgresql: {uri: postgresql://db1/a}}"),
                   {},
                   "gateway.yaml:2:35",
                   "storage.postgresql is set but storage.backend is sqlite"},
        StorageRow{"postgresql_backend_without_block",
                   storage_text("storage: {backend: postgresql}"),
                   {},
                   "gateway.yaml:2:10",
                   "missing required key 'postgresql' in storage"},
        StorageRow{"postgresql_backend_with_path",
                   storage_text("storage: {backend: postgresql, path: s.db, postgresql: {uri: "
                                "postgresql://db1/a}}"),
                   {},
                   "gateway.yaml:2:38",
                   "storage.path names the SQLite spool file, unused with storage.backend "
                   "postgresql"},
        StorageRow{"postgresql_without_signing_key",
                   storage_text("storage: {backend: postgresql, postgresql: {uri: "
                                "postgresql://db1/a}}",
                                false, true),
                   {},
                   "gateway.yaml:1:1",
                   "missing required key 'signing_key' in the configuration: with "
                   "storage.backend postgresql every gateway"},
        StorageRow{"postgresql_without_pseudonym_key",
                   storage_text("storage: {backend: postgresql, postgresql: {uri: "
                                "postgresql://db1/a}}",
                                true, false),
                   {},
                   "gateway.yaml:1:1",
                   "missing required key 'pseudonym_key'"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace accord::app

namespace accord::app {
namespace {

// log.format text, no access log, no health listener unless asked; port 0 everywhere (the
// OS picks distinct ports) is no collision.
TEST(ConfigOperations, DefaultsAndPortZero) {
  const std::string base =
      "tls: {ca: ca.pem, cert: server.pem, key: server.key, crl: crl.pem}\n"
      "storage: {path: var/spool.db}\nvocabulary: v.yaml\nagencies: a.yaml\nagreements: g\n";
  const auto plain = parse_config(base, "/etc/accord", "gateway.yaml");
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_EQ(plain->log_format, logging::LogFormat::text);
  EXPECT_FALSE(plain->log_access);
  EXPECT_FALSE(plain->health_enabled);
  const auto zero =
      parse_config(base + "listen: {port: 0}\nadmin_listen: {port: 0}\nhealth_listen: {port: 0}\n",
                   "/etc/accord", "gateway.yaml");
  ASSERT_TRUE(zero.ok()) << zero.error().message;
  EXPECT_TRUE(zero->health_enabled);
  EXPECT_EQ(zero->health_address, "127.0.0.1");
  const auto empty = parse_config(base + "health_listen: {}\n", "/etc/accord", "gateway.yaml");
  ASSERT_TRUE(empty.ok()) << empty.error().message;
  EXPECT_TRUE(empty->health_enabled);
  EXPECT_EQ(empty->health_port, 0);
}

}  // namespace
}  // namespace accord::app
