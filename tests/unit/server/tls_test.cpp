// The TLS front door over real loopback TLS: who gets in, with which identity, and which
// refusal reason is counted for everyone else.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <vector>

#include "accord/testing/temp_dir.hpp"
#include "server_fixture.hpp"

namespace accord::server::test {
namespace {

namespace bhttp = boost::beast::http;
constexpr const char* kFailures = "accord_tls_handshake_failures_total";

// ---- accepted certificates: the handler sees the identity from the SAN URI ----

struct IdentityRow {
  std::string cert;
  PeerRole role;
  std::string id;
};

class AcceptedIdentity : public ServerTest, public ::testing::WithParamInterface<IdentityRow> {};

TEST_P(AcceptedIdentity, HandlerSeesPeerFromCertificate) {
  const IdentityRow& row = GetParam();
  start();
  auto c = client(row.cert);
  ASSERT_NE(c, nullptr);
  auto res = c->request(bhttp::verb::get, "/echo");
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->status, 200u);
  EXPECT_EQ(res->body, std::string(role_name(row.role)) + ":" + row.id);
  auto peers = handler_.peers();
  ASSERT_EQ(peers.size(), 1u);
  EXPECT_EQ(peers[0].role, row.role);
  EXPECT_EQ(peers[0].id, row.id);
  EXPECT_NE(peers[0].subject.find("CN=" + row.id), std::string::npos) << peers[0].subject;
  // Keep-alive: a second request on the same connection.
  auto again = c->request(bhttp::verb::get, "/echo");
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(metric("accord_connections_total"), 1);
  EXPECT_EQ(metric("accord_http_requests_total", {{"code", "200"}}), 2);
}

INSTANTIATE_TEST_SUITE_P(DevPki, AcceptedIdentity,
                         ::testing::Values(IdentityRow{"agency-police.met", PeerRole::agency,
                                                       "police.met"},
                                           IdentityRow{"agency-provider.survivors-uk",
                                                       PeerRole::agency, "provider.survivors-uk"},
                                           IdentityRow{"admin", PeerRole::admin, "admin"},
                                           IdentityRow{"auditor", PeerRole::auditor, "auditor"}));

// ---- refused handshakes: the right reason is counted and the handler sees nothing ----

// Signs a client certificate with the dev CA, with the given SAN and extended key usage;
// returns its name in `dir`.
std::string sign_client_cert(const testing::TempDir& dir, const std::string& name,
                             const std::string& san, const std::string& eku = "clientAuth") {
  const auto& pki = testing::dev_pki();
  std::ofstream(dir.file(name + ".ext"))
      << "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
         "extendedKeyUsage="
      << eku << "\nsubjectAltName=" << san << "\n";
  std::random_device rd;
  const std::string serial = std::to_string(rd()) + std::to_string(rd());
  const std::string cmd = "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out '" +
                          dir.file(name + ".key") + "' 2>/dev/null && openssl req -new -key '" +
                          dir.file(name + ".key") + "' -subj /CN=" + name +
                          " 2>/dev/null | openssl x509 -req -CA '" + pki.ca() + "' -CAkey '" +
                          pki.dir() + "/ca.key' -set_serial " + serial + " -days 30 -extfile '" +
                          dir.file(name + ".ext") + "' -out '" + dir.file(name + ".pem") +
                          "' 2>/dev/null";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  return name;
}

struct RefusalRow {
  std::string name;
  std::string cert;  // dev PKI name, "" = none
  int max_version;   // 0 = default
  std::string reason;
  // Non-empty: instead of `cert`, a fresh CA-signed agency certificate with this
  // extendedKeyUsage, made in a TempDir.
  std::string generated_eku = {};
  // What on_certificate_refused must say the certificate presented: a part of its subject
  // and its SAN URIs. nullopt: the hook must not be called (not a certificate refusal).
  std::optional<std::pair<std::string, std::vector<std::string>>> presented = {};
};

// What the server reported through on_certificate_refused, waited for across io threads.
struct RefusalLog {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<std::string, PresentedCertificate>> calls;

  void add(std::string_view reason, const PresentedCertificate& presented) {
    std::lock_guard lock(mu);
    calls.emplace_back(std::string(reason), presented);
    cv.notify_all();
  }
  // The first call, waited for (bounded: a missing call fails the test, it does not hang).
  std::optional<std::pair<std::string, PresentedCertificate>> first() {
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::seconds(10), [&] { return !calls.empty(); });
    if (calls.empty()) return std::nullopt;
    return calls.front();
  }
};

class RefusedHandshake : public ServerTest, public ::testing::WithParamInterface<RefusalRow> {};

TEST_P(RefusedHandshake, CountedWithReason) {
  const RefusalRow& row = GetParam();
  testing::TempDir dir("accord-eku-");
  auto log = std::make_shared<RefusalLog>();
  auto server_options = options();
  server_options.on_certificate_refused = [log](std::string_view reason, const std::string&,
                                                const PresentedCertificate& presented) {
    log->add(reason, presented);
  };
  start(server_options);
  auto opts = probe_options(row.cert);
  if (!row.generated_eku.empty()) {
    const auto name =
        sign_client_cert(dir, row.name, "URI:urn:accord:agency:police.met", row.generated_eku);
    opts.cert = dir.file(name + ".pem");
    opts.key = dir.file(name + ".key");
  }
  if (row.max_version != 0) {
    opts.min_version = row.max_version;
    opts.max_version = row.max_version;
    opts.security_level = 0;  // OpenSSL 3 will not even offer TLS 1.1 above level 0
  }
  testing::TlsProbe probe(opts);
  ASSERT_TRUE(probe.connect(port()).ok());
  // With TLS 1.3 the client finishes before the server has judged its certificate, so the
  // refusal may surface on the first read instead of the handshake.
  if (probe.handshake().ok()) {
    // The write may fail or succeed: the server may already have closed.
    (void)probe.write("GET /echo HTTP/1.1\r\nHost: localhost\r\n\r\n");
    auto res = probe.read_response();
    EXPECT_FALSE(res.ok()) << "got HTTP " << res->result_int();
  }
  EXPECT_EQ(await_metric(kFailures, {{"reason", row.reason}}, 1), 1);
  EXPECT_TRUE(handler_.peers().empty());
  if (!row.presented) {
    std::lock_guard lock(log->mu);
    EXPECT_TRUE(log->calls.empty()) << "not a certificate refusal: " << log->calls[0].first;
    return;
  }
  // Regression (issue 11): the refusal names the certificate presented, even though it
  // failed verification (the subject used to be always empty).
  auto call = log->first();
  ASSERT_TRUE(call.has_value()) << "on_certificate_refused was not called";
  EXPECT_EQ(call->first, row.reason);
  if (row.presented->first.empty()) {
    EXPECT_EQ(call->second.subject, "");
  } else {
    EXPECT_NE(call->second.subject.find(row.presented->first), std::string::npos)
        << call->second.subject;
  }
  EXPECT_EQ(call->second.san_uris, row.presented->second);
}

using Presented = std::pair<std::string, std::vector<std::string>>;

INSTANTIATE_TEST_SUITE_P(
    DevPki, RefusedHandshake,
    ::testing::Values(
        RefusalRow{"no_certificate", "", 0, "no_certificate", "", Presented{"", {}}},
        RefusalRow{"rogue_ca", "rogue", 0, "unknown_ca", "",
                   Presented{"CN=police.met", {"urn:accord:agency:police.met"}}},
        RefusalRow{"revoked", "revoked", 0, "revoked", "",
                   Presented{"CN=test.revoked", {"urn:accord:agency:test.revoked"}}},
        RefusalRow{"expired", "expired", 0, "expired", "",
                   Presented{"CN=test.expired", {"urn:accord:agency:test.expired"}}},
        // A CA-signed certificate for the wrong purpose: serverAuth only. (The
        // gateway's own certificate also has clientAuth, for the webhook.)
        RefusalRow{"server_auth_only_as_client", "", 0, "bad_certificate", "serverAuth",
                   Presented{"CN=server_auth_only_as_client", {"urn:accord:agency:police.met"}}},
        RefusalRow{"tls_1_1", "agency-police.met", TLS1_1_VERSION, "protocol_version"},
        RefusalRow{"tls_1_0", "agency-police.met", TLS1_VERSION, "protocol_version"}),
    [](const auto& info) { return info.param.name; });

TEST_F(ServerTest, Tls12IsStillAccepted) {
  start();
  auto opts = probe_options("agency-police.met");
  opts.max_version = TLS1_2_VERSION;
  testing::TlsProbe probe(opts);
  ASSERT_TRUE(probe.connect_and_handshake(port()).ok());
  ASSERT_TRUE(probe.write("GET /echo HTTP/1.1\r\nHost: localhost\r\n\r\n").ok());
  auto res = probe.read_response();
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->body(), "agency:police.met");
}

TEST_F(ServerTest, HandshakeTimeoutIsCounted) {
  auto o = options();
  o.handshake_timeout = std::chrono::milliseconds(200);
  start(o);
  testing::TlsProbe probe(probe_options("agency-police.met"));
  ASSERT_TRUE(probe.connect(port()).ok());  // TCP only, never says hello
  EXPECT_TRUE(probe.wait_closed().ok());
  EXPECT_EQ(await_metric(kFailures, {{"reason", "timeout"}}, 1), 1);
}

// ---- CA-signed certificates that name no (or no single) Accord identity ----

struct NoIdentityRow {
  std::string name;
  std::string san;
};

class NoIdentity : public ServerTest, public ::testing::WithParamInterface<NoIdentityRow> {};

TEST_P(NoIdentity, VerifiedButUnnamedIsRefused) {
  testing::TempDir dir("accord-noid-");
  const auto name = sign_client_cert(dir, GetParam().name, GetParam().san);
  start();
  testing::ProbeOptions opts = probe_options("");
  opts.cert = dir.file(name + ".pem");
  opts.key = dir.file(name + ".key");
  testing::TlsProbe probe(opts);
  ASSERT_TRUE(probe.connect(port()).ok());
  if (probe.handshake().ok()) {
    (void)probe.write("GET /echo HTTP/1.1\r\nHost: localhost\r\n\r\n");
    EXPECT_FALSE(probe.read_response().ok());
  }
  EXPECT_EQ(await_metric(kFailures, {{"reason", "no_identity"}}, 1), 1);
  EXPECT_TRUE(handler_.peers().empty());
}

INSTANTIATE_TEST_SUITE_P(
    Generated, NoIdentity,
    ::testing::Values(NoIdentityRow{"dns_only", "DNS:nobody.example"},
                      NoIdentityRow{"other_uri", "URI:https://nobody.example/"},
                      NoIdentityRow{"two_identities",
                                    "URI:urn:accord:agency:a,URI:urn:accord:agency:b"},
                      NoIdentityRow{"malformed", "URI:urn:accord:agency:Bad.ID"},
                      NoIdentityRow{"unknown_role", "URI:urn:accord:root:alice"}),
    [](const auto& info) { return info.param.name; });

TEST_F(ServerTest, GeneratedCertWithOneIdentityIsAccepted) {
  // The positive row for the generator above, so a broken generator cannot pass NoIdentity.
  testing::TempDir dir("accord-noid-");
  const auto name = sign_client_cert(dir, "fresh", "URI:urn:accord:agency:fresh.agency");
  start();
  testing::ProbeOptions opts = probe_options("");
  opts.cert = dir.file(name + ".pem");
  opts.key = dir.file(name + ".key");
  testing::TlsProbe probe(opts);
  ASSERT_TRUE(probe.connect_and_handshake(port()).ok());
  ASSERT_TRUE(probe.write("GET /echo HTTP/1.1\r\nHost: localhost\r\n\r\n").ok());
  auto res = probe.read_response();
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->body(), "agency:fresh.agency");
}

// ---- configuration errors at start() name the file and the reason ----

struct ConfigRow {
  std::string name;
  std::function<void(TlsFiles&)> edit;
  std::string code;
  std::string message_part;
};

class StartErrors : public ServerTest, public ::testing::WithParamInterface<ConfigRow> {};

TEST_P(StartErrors, NameTheFile) {
  const ConfigRow& row = GetParam();
  auto o = options();
  row.edit(o.tls);
  auto server = make_http_server(io_, o, handler_, metrics_);
  Status st = server->start();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, row.code);
  EXPECT_NE(st.error().message.find(row.message_part), std::string::npos) << st.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, StartErrors,
    ::testing::Values(
        ConfigRow{"missing_ca", [](TlsFiles& f) { f.ca = "/nonexistent/ca.pem"; }, "tls_config",
                  "ca file '/nonexistent/ca.pem': No such file"},
        ConfigRow{"ca_not_pem", [](TlsFiles& f) { f.ca = f.key + ".nope"; }, "tls_config",
                  "ca file"},
        ConfigRow{"missing_cert", [](TlsFiles& f) { f.cert = "/nonexistent/s.pem"; }, "tls_config",
                  "cert file '/nonexistent/s.pem'"},
        ConfigRow{"cert_is_a_crl", [](TlsFiles& f) { f.cert = f.crl; }, "tls_config", "cert file"},
        ConfigRow{"key_mismatch", [](TlsFiles& f) { f.key = testing::dev_pki().key("admin"); },
                  "tls_config", "mismatch"},
        ConfigRow{"missing_crl", [](TlsFiles& f) { f.crl = "/nonexistent/crl.pem"; }, "tls_config",
                  "crl file '/nonexistent/crl.pem'"},
        // Issue 12: an absent CRL used to mean "no revocation check" without a word.
        ConfigRow{"crl_required_by_default", [](TlsFiles& f) { f.crl.clear(); }, "tls_config",
                  "no CRL file"},
        ConfigRow{"crl_named_but_revocation_none",
                  [](TlsFiles& f) { f.revocation = Revocation::none; }, "tls_config",
                  "revocation checking is off"},
        ConfigRow{"crl_is_a_cert", [](TlsFiles& f) { f.crl = f.ca; }, "tls_config",
                  "no PEM X509 CRL"}),
    [](const auto& info) { return info.param.name; });

TEST_F(ServerTest, BadAddressIsABindError) {
  auto o = options();
  o.address = "not-an-address";
  auto server = make_http_server(io_, o, handler_, metrics_);
  Status st = server->start();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "bind");
}

TEST_F(ServerTest, PortInUseIsABindError) {
  start();
  auto o = options();
  o.port = port();
  auto server = make_http_server(io_, o, handler_, metrics_);
  Status st = server->start();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "bind");
}

TEST_F(ServerTest, RevocationNoneMeansNoRevocationCheck) {
  // The contract: only an explicit Revocation::none disables revocation checking.
  auto o = options();
  o.tls.crl.clear();
  o.tls.revocation = Revocation::none;
  start(o);
  auto c = client("revoked");
  auto res = c->request(bhttp::verb::get, "/echo");
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->body, "agency:test.revoked");
}

}  // namespace
}  // namespace accord::server::test
