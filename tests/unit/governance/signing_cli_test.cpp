// The real `accord` binary: signing keys made with `accord keys gen --purpose signing`, an
// agreement signed and suspended with them (file names, modes, statements that verify), every
// refusal with its code; and scripts/sign-agreements.sh on a copy of config/ (run twice: the
// second run makes nothing). Statements are checked with accord_governance, as the gateway does.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "accord/agreements/loader.hpp"
#include "accord/crypto/key_dir.hpp"
#include "accord/crypto/key_files.hpp"
#include "accord/governance/signing.hpp"
#include "accord/testing/temp_dir.hpp"

namespace accord::governance {
namespace {

namespace fs = std::filesystem;
using accord::testing::TempDir;

struct CliRun {
  int code = -1;
  std::string output;  // stdout and stderr
};

CliRun run(const std::string& command) {
  CliRun r;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return r;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) r.output += buffer;
  const int status = ::pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string cli() {
  return ACCORD_CLI;
}

std::string source_dir() {
  const char* dir = std::getenv("ACCORD_SOURCE_DIR");
  return dir == nullptr ? std::string(ACCORD_SOURCE_DIR_FALLBACK) : std::string(dir);
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 0777) : 0;
}

std::vector<std::string> files_ending(const std::string& dir, std::string_view suffix) {
  auto listed = crypto::list_dir_files(dir, suffix);
  return listed ? *listed : std::vector<std::string>{};
}

// The (only) agreement in `file`, as VersionRef.
VersionRef version_of(const std::string& file) {
  const std::string text = read(file);
  auto set = agreements::parse_all({{file, text}});
  EXPECT_EQ(set.agreements.size(), 1u) << file;
  VersionRef v{set.agreements.at(0).id, set.agreements.at(0).version, content_hash(text), {}};
  for (const auto& p : set.agreements.at(0).parties) v.parties.push_back(p.agency);
  return v;
}

SignerRegistry registry_of(const std::string& dir) {
  auto files = crypto::read_dir_files(dir, kSigningPublicSuffix);
  EXPECT_TRUE(files.ok());
  auto registry = SignerRegistry::parse(*files);
  EXPECT_TRUE(registry.ok()) << registry.error().message;
  return registry.value();
}

class SigningCli : public ::testing::Test {
 protected:
  void SetUp() override {
    agreement_ = dir_.file("met-lvws-referral.yaml");
    fs::copy_file(source_dir() + "/config/agreements/met-lvws-referral.yaml", agreement_);
  }

  // Makes `agency`'s signing key in dir_/keys and returns its secret file.
  std::string make_key(const std::string& agency) {
    const CliRun r = run(cli() + " keys gen --purpose signing --signer 'J. Smith, DPO' --agency " +
                         agency + " --dir " + dir_.file("keys"));
    EXPECT_EQ(r.code, 0) << r.output;
    for (const auto& path : files_ending(dir_.file("keys"), kSigningSecretSuffix)) {
      if (fs::path(path).filename().string().starts_with(agency + ".")) return path;
    }
    ADD_FAILURE() << "no secret for " << agency;
    return "";
  }

  TempDir dir_{"accord-signing-cli-"};
  std::string agreement_;
};

TEST_F(SigningCli, KeysGenSignAndSuspendWriteStatementsTheGatewayAccepts) {
  const std::string met = make_key("police.met");
  const std::string lvws = make_key("provider.lvws");
  EXPECT_EQ(mode_of(met), 0600u);
  const std::string met_pub =
      met.substr(0, met.size() - kSigningSecretSuffix.size()) + std::string(kSigningPublicSuffix);
  EXPECT_EQ(mode_of(met_pub), 0644u);
  auto pub = parse_public_key(read(met_pub), met_pub);
  ASSERT_TRUE(pub.ok()) << pub.error().message;
  EXPECT_EQ(pub->signer, "J. Smith, DPO");
  EXPECT_EQ(fs::path(met_pub).filename().string(), public_file_name(*pub));

  // Both purposes in one directory, listed apart; the encryption registry ignores signing keys.
  ASSERT_EQ(run(cli() + " keys gen --agency police.met --dir " + dir_.file("keys")).code, 0);
  const CliRun list = run(cli() + " keys list --dir " + dir_.file("keys"));
  ASSERT_EQ(list.code, 0) << list.output;
  EXPECT_NE(list.output.find("PURPOSE"), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("signing     police.met"), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("signing     provider.lvws"), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("encryption  police.met"), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("signer: J. Smith, DPO"), std::string::npos) << list.output;
  const CliRun again =
      run(cli() + " keys gen --purpose signing --agency police.met --dir " + dir_.file("keys"));
  EXPECT_EQ(again.code, 1);
  EXPECT_NE(again.output.find("keys rotate --purpose signing"), std::string::npos);
  const CliRun rotated = run(
      cli() + " keys rotate --purpose signing --agency provider.lvws --dir " + dir_.file("keys"));
  EXPECT_EQ(rotated.code, 0) << rotated.output;
  EXPECT_NE(rotated.output.find("previous:"), std::string::npos) << rotated.output;

  const CliRun signed_met = run(cli() + " agreements sign " + agreement_ + " --key " + met);
  ASSERT_EQ(signed_met.code, 0) << signed_met.output;
  const std::string sig_file = dir_.file("met-lvws-referral.v1.police.met.sig.json");
  EXPECT_EQ(mode_of(sig_file), 0644u);
  const CliRun signed_lvws = run(cli() + " agreements sign " + agreement_ + " --key " + lvws +
                                 " --out " + dir_.file("sigs"));
  ASSERT_EQ(signed_lvws.code, 0) << signed_lvws.output;

  const SignerRegistry signers = registry_of(dir_.file("keys"));
  const VersionRef v1 = version_of(agreement_);
  for (const auto& file :
       {sig_file, dir_.file("sigs/met-lvws-referral.v1.provider.lvws.sig.json")}) {
    auto statement = parse_statement(read(file), file);
    ASSERT_TRUE(statement.ok()) << statement.error().message;
    EXPECT_EQ(statement->kind, StatementKind::signature);
    EXPECT_EQ(statement->content_hash, v1.content_hash);
    const Verdict verdict = verify(*statement, v1, signers);
    EXPECT_TRUE(verdict.ok) << file << ": " << verdict.code << " " << verdict.reason;
  }

  // Not overwritten without --force; with it, replaced.
  const CliRun twice = run(cli() + " agreements sign " + agreement_ + " --key " + met);
  EXPECT_EQ(twice.code, 2);
  EXPECT_NE(twice.output.find("file_exists"), std::string::npos) << twice.output;
  EXPECT_EQ(run(cli() + " agreements sign " + agreement_ + " --key " + met + " --force").code, 0);

  const CliRun suspended = run(cli() + " agreements suspend " + agreement_ + " --key " + lvws +
                               " --reason 'provider reported a breach'");
  ASSERT_EQ(suspended.code, 0) << suspended.output;
  const std::string suspend_file = dir_.file("met-lvws-referral.v1.provider.lvws.suspend.json");
  auto suspension = parse_statement(read(suspend_file), suspend_file);
  ASSERT_TRUE(suspension.ok()) << suspension.error().message;
  EXPECT_EQ(suspension->kind, StatementKind::suspension);
  EXPECT_EQ(suspension->reason, "provider reported a breach");
  EXPECT_TRUE(verify(*suspension, v1, signers).ok);

  // An edit after signing: the statement no longer counts for the file's text.
  std::ofstream(agreement_, std::ios::app) << "# edited\n";
  auto stale = parse_statement(read(sig_file), sig_file);
  EXPECT_EQ(verify(*stale, version_of(agreement_), signers).code, "text_changed");
}

TEST_F(SigningCli, EveryRefusalHasItsCode) {
  const std::string met = make_key("police.met");
  const std::string cps = make_key("cps.london");
  std::ofstream(dir_.file("broken.yaml")) << "id: broken\nversion: one\n";
  std::ofstream(dir_.file("not-a-key.json")) << "{}";
  ::chmod(dir_.file("not-a-key.json").c_str(), 0600);
  struct Row {
    std::string args;
    std::string code;
  };
  const std::vector<Row> rows = {
      {"sign " + dir_.file("absent.yaml") + " --key " + met, "io_error"},
      {"sign " + dir_.file("broken.yaml") + " --key " + met, "invalid_agreement"},
      {"sign " + agreement_ + " --key " + dir_.file("not-a-key.json"), "bad_key_file"},
      {"sign " + agreement_ + " --key " + dir_.file("absent.json"), "io_error"},
      {"sign " + agreement_ + " --key " + cps, "not_a_party"},
      {"suspend " + agreement_ + " --key " + met + " --reason " + std::string(501, 'x'),
       "invalid_reason"},
      {"suspend " + agreement_ + " --key " + met + " --reason $'two\\nlines'", "invalid_reason"},
  };
  for (const auto& row : rows) {
    const CliRun r = run("bash -c \"" + cli() + " agreements " + row.args + "\"");
    EXPECT_EQ(r.code, 2) << row.args << "\n" << r.output;
    EXPECT_NE(r.output.find(": " + row.code + ": "), std::string::npos) << row.args << "\n"
                                                                        << r.output;
  }
  ASSERT_EQ(::chmod(met.c_str(), 0640), 0);
  const CliRun insecure = run(cli() + " agreements sign " + agreement_ + " --key " + met);
  EXPECT_EQ(insecure.code, 2);
  EXPECT_NE(insecure.output.find("insecure_permissions"), std::string::npos) << insecure.output;
  EXPECT_NE(insecure.output.find("chmod 600 " + met), std::string::npos) << insecure.output;
  EXPECT_TRUE(files_ending(dir_.path(), ".sig.json").empty());
  EXPECT_TRUE(files_ending(dir_.path(), ".suspend.json").empty());
}

TEST(SignAgreementsScript, SignsEveryActiveAgreementForEachPartyOnceOnly) {
  TempDir dir("accord-sign-script-");
  fs::copy(source_dir() + "/config", dir.file("config"), fs::copy_options::recursive);
  const std::string command = "ACCORD_BIN=" + cli() + " " + source_dir() +
                              "/scripts/sign-agreements.sh " + dir.file("config/agencies.yaml") +
                              " " + dir.file("config/agreements") + " " + dir.file("keys") + " " +
                              dir.file("secrets") + " " + dir.file("sigs");
  const CliRun first = run(command);
  ASSERT_EQ(first.code, 0) << first.output;

  const SignerRegistry signers = registry_of(dir.file("keys"));
  std::size_t expected = 0;
  for (const auto& file : files_ending(dir.file("config/agreements"), ".yaml")) {
    const VersionRef v = version_of(file);
    expected += v.parties.size();  // every sample agreement says status: active
    for (const auto& party : v.parties) {
      const std::string path = dir.file("sigs/" + v.agreement + ".v" + std::to_string(v.version) +
                                        "." + party + ".sig.json");
      auto statement = parse_statement(read(path), path);
      ASSERT_TRUE(statement.ok()) << statement.error().message;
      EXPECT_TRUE(verify(*statement, v, signers).ok) << path;
    }
  }
  ASSERT_GT(expected, 0u);
  EXPECT_EQ(files_ending(dir.file("sigs"), ".sig.json").size(), expected);
  for (const auto& secret : files_ending(dir.file("secrets"), kSigningSecretSuffix)) {
    EXPECT_EQ(mode_of(secret), 0600u) << secret;
  }
  EXPECT_NE(first.output.find("signing key made for police.met"), std::string::npos);

  const CliRun second = run(command);
  EXPECT_EQ(second.code, 0) << second.output;
  EXPECT_EQ(second.output, "");  // nothing new
  EXPECT_EQ(files_ending(dir.file("sigs"), ".sig.json").size(), expected);

  // An edited agreement is signed again by its parties, and only it.
  const std::string edited = dir.file("config/agreements/met-lvws-referral.yaml");
  std::ofstream(edited, std::ios::app) << "# reviewed\n";
  const CliRun third = run(command);
  EXPECT_EQ(third.code, 0) << third.output;
  EXPECT_EQ(std::count(third.output.begin(), third.output.end(), '\n'), 2) << third.output;
  EXPECT_NE(third.output.find("signed met-lvws-referral v1"), std::string::npos);
  const VersionRef v = version_of(edited);
  auto resigned =
      parse_statement(read(dir.file("sigs/met-lvws-referral.v1.police.met.sig.json")), "sig");
  ASSERT_TRUE(resigned.ok());
  EXPECT_TRUE(verify(*resigned, v, signers).ok);
}

}  // namespace
}  // namespace accord::governance
