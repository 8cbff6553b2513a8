// `accord agreements list` run as a process: without --signatures/--keys it says signatures
// were not checked; with them each line carries the governance state, judged from statement
// files and signing keys written here by the library (docs/agreements.md, "Co-signed
// activation and the lifecycle").
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "accord/governance/signing.hpp"
#include "accord/testing/golden.hpp"
#include "accord/testing/temp_dir.hpp"

namespace accord::governance {
namespace {

namespace fs = std::filesystem;

struct CliRun {
  int code = -1;
  std::string out;
};

CliRun run(const std::string& args) {
  CliRun r;
  const std::string command = std::string(ACCORD_CLI) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    r.out.append(buffer.data(), n);
  }
  const int status = pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// The line of `out` that starts with `label` ("met-lvws-referral v1").
std::string line_of(const std::string& out, const std::string& label) {
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(label + " ", 0) == 0) return line;
  }
  return "(no line for " + label + ")";
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

SigningSecret make_key(const char* agency, std::int64_t ms) {
  auto key = generate_signing_key(agency, "", ms);
  if (!key.ok()) std::abort();
  return std::move(key.value());
}

class AgreementsListCli : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* sub : {"agreements", "keys", "signatures"}) {
      fs::create_directory(dir_.file(sub));
    }
    for (const char* name :
         {"met-lvws-referral.yaml", "met-cps-case-file.yaml", "met-survivors-uk-referral.yaml"}) {
      write(
          "agreements/" + std::string(name),
          accord::testing::read_file(accord::testing::source_dir() + "/config/agreements/" + name));
    }
    for (const SigningSecret* key : {&met_, &lvws_, &cps_}) {
      write("keys/" + public_file_name(key->key), public_key_json(key->key));
    }
  }

  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_.file(name), std::ios::binary) << text;
  }

  void statement(const char* agreement, const SigningSecret& key,
                 StatementKind kind = StatementKind::signature, std::string reason = "") {
    const std::string text =
        accord::testing::read_file(dir_.file("agreements/") + agreement + ".yaml");
    Statement s;
    s.kind = kind;
    s.agreement = agreement;
    s.version = 1;
    s.content_hash = content_hash(text);
    s.agency = key.key.agency;
    s.kid = key.key.kid;
    s.signed_at = "2026-12-01T10:00:00.000Z";
    s.reason = std::move(reason);
    const Statement signed_statement = sign(s, key);
    write("signatures/" + statement_file_name(signed_statement), to_json(signed_statement));
  }

  std::string governed_args() const {
    return "agreements list " + dir_.file("agreements") + " --now 2026-12-06 --signatures " +
           dir_.file("signatures") + " --keys " + dir_.file("keys");
  }

  accord::testing::TempDir dir_{"accord-list-cli-"};
  SigningSecret met_ = make_key("police.met", 1'796'000'000'000);
  SigningSecret lvws_ = make_key("provider.lvws", 1'796'000'001'000);
  SigningSecret cps_ = make_key("cps.london", 1'796'000'002'000);
  SigningSecret survivors_ = make_key("provider.survivors-uk", 1'796'000'003'000);  // unregistered
};

TEST_F(AgreementsListCli, WithoutSignaturesSaysTheyWereNotChecked) {
  const CliRun r = run("agreements list " + dir_.file("agreements") + " --now 2026-12-06");
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* label :
       {"met-lvws-referral v1", "met-cps-case-file v1", "met-survivors-uk-referral v1"}) {
    EXPECT_TRUE(ends_with(line_of(r.out, label), "  (signatures not checked)")) << r.out;
  }
}

TEST_F(AgreementsListCli, ShowsTheGovernanceOfEachVersion) {
  statement("met-lvws-referral", met_);
  statement("met-lvws-referral", lvws_);
  statement("met-cps-case-file", met_);
  statement("met-survivors-uk-referral", met_);
  statement("met-survivors-uk-referral", met_, StatementKind::suspension, "breach reported");
  statement("met-survivors-uk-referral", survivors_);
  write("signatures/junk.sig.json", "{\"format\":");

  const CliRun r = run(governed_args());
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(
      ends_with(line_of(r.out, "met-lvws-referral v1"), "  co-signed by police.met, provider.lvws"))
      << r.out;
  EXPECT_TRUE(
      ends_with(line_of(r.out, "met-cps-case-file v1"), "  AWAITING SIGNATURES from cps.london"))
      << r.out;
  EXPECT_TRUE(ends_with(line_of(r.out, "met-survivors-uk-referral v1"),
                        "  SUSPENDED by police.met: breach reported"))
      << r.out;
  EXPECT_NE(r.out.find("warning: junk.sig.json: malformed_statement: "), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("warning: met-survivors-uk-referral.v1.provider.survivors-uk.sig.json: "
                       "met-survivors-uk-referral@1 refused (unknown_signer): "),
            std::string::npos)
      << r.out;
}

TEST_F(AgreementsListCli, AnEditAfterSigningIsRefusedAsTextChanged) {
  statement("met-lvws-referral", met_);
  statement("met-lvws-referral", lvws_);
  const std::string path = dir_.file("agreements/met-lvws-referral.yaml");
  write("agreements/met-lvws-referral.yaml",
        accord::testing::read_file(path) + "# edited after signing\n");
  const CliRun r = run(governed_args());
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(ends_with(line_of(r.out, "met-lvws-referral v1"),
                        "  AWAITING SIGNATURES from police.met, provider.lvws"))
      << r.out;
  EXPECT_NE(r.out.find("met-lvws-referral@1 refused (text_changed)"), std::string::npos) << r.out;
}

TEST_F(AgreementsListCli, SignaturesWithoutKeysIsAUsageError) {
  const CliRun r = run("agreements list " + dir_.file("agreements") + " --signatures " +
                       dir_.file("signatures"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("--signatures and --keys go together"), std::string::npos) << r.out;
}

TEST_F(AgreementsListCli, AnUnreadableKeyFileIsAnError) {
  write("keys/police.met.20260101T000000Z-abcd.sign.pub.json", "not json");
  const CliRun r = run(governed_args());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("bad_key_file"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace accord::governance
