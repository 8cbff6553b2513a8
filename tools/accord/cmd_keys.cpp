// accord keys gen | rotate | list: an agency's keys, of two purposes in one directory.
// Encryption (X25519, docs/field-encryption.md §5): the agency runs these on its own machine,
// hands the .pub.json file to the gateway operator and keeps the .secret.json file (0600) to
// decrypt what it receives. Signing (Ed25519, docs/agreements.md "Signing keys and signed
// statements"): the person who signs the agency's agreements makes the pair, hands the
// .sign.pub.json file to the operator and keeps the .sign.secret.json file (0600).
#include <sodium.h>
#include <sys/stat.h>

#include <chrono>
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>

#include "accord/crypto/key_dir.hpp"
#include "accord/crypto/key_files.hpp"
#include "accord/crypto/key_registry.hpp"
#include "accord/governance/signing.hpp"
#include "cli_errors.hpp"
#include "commands.hpp"

namespace accord::cli {
namespace {

namespace gov = accord::governance;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct KeyFlags {
  std::string agency;
  std::string dir = "keys";
  std::string purpose = "encryption";
  std::string signer;
};

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

void generate_encryption(const KeyFlags& f, bool rotate) {
  const crypto::RecipientKey* previous = nullptr;
  crypto::KeyRegistry existing;
  if (exists(f.dir)) {
    auto reg = crypto::KeyRegistry::load_dir(f.dir);
    if (!reg) fail_local(reg.error().message);
    existing = std::move(*reg);
    previous = existing.current(f.agency);
  }
  if (rotate && previous == nullptr) {
    fail_local("no key of " + f.agency + " in " + f.dir +
               " to rotate; create one with `accord keys gen`");
  }
  if (!rotate && previous != nullptr) {
    fail_local(f.agency + " already has key " + previous->kid + " in " + f.dir +
               "; use `accord keys rotate` to add a new one");
  }
  auto key = crypto::generate_agency_key(f.agency, now_ms());
  if (!key) fail_local(key.error().message);
  auto written = crypto::write_key_files(f.dir, *key);
  if (!written) fail_local(written.error().message);
  std::cout << "kid:         " << key->pub.kid << "\n"
            << "public key:  " << written->public_path
            << "   (give this file to the gateway operator)\n"
            << "secret key:  " << written->secret_path
            << "   (mode 0600; keep it, and back it up, on your side only)\n";
  if (previous != nullptr) {
    std::cout << "previous:    " << previous->kid
              << " (secret kept: you still need it to read messages encrypted to it)\n";
  }
}

// The agency's signing keys already in the directory, newest last.
std::vector<gov::SigningKey> signing_keys_of(const std::string& dir, const std::string& agency) {
  std::vector<gov::SigningKey> out;
  if (!exists(dir)) return out;
  auto files = crypto::read_dir_files(dir, gov::kSigningPublicSuffix);
  if (!files) fail_local(files.error().message);
  auto reg = gov::SignerRegistry::parse(*files);
  if (!reg) fail_local(reg.error().message);
  for (const auto& k : reg->all()) {
    if (k.agency == agency) out.push_back(k);
  }
  return out;
}

void generate_signing(const KeyFlags& f, bool rotate) {
  const auto previous = signing_keys_of(f.dir, f.agency);
  if (rotate && previous.empty()) {
    fail_local("no signing key of " + f.agency + " in " + f.dir +
               " to rotate; create one with `accord keys gen --purpose signing`");
  }
  if (!rotate && !previous.empty()) {
    fail_local(f.agency + " already has signing key " + previous.back().kid + " in " + f.dir +
               "; use `accord keys rotate --purpose signing` to add a new one");
  }
  auto key = gov::generate_signing_key(f.agency, f.signer, now_ms());
  if (!key) fail_local(key.error().code + ": " + key.error().message);
  std::string secret = gov::secret_key_json(*key);
  auto written =
      crypto::write_key_pair(f.dir, gov::public_file_name(key->key), gov::public_key_json(key->key),
                             gov::secret_file_name(key->key), secret);
  sodium_memzero(secret.data(), secret.size());
  sodium_memzero(key->secret_key.data(), key->secret_key.size());
  if (!written) fail_local(written.error().message);
  std::cout << "kid:         " << key->key.kid << "   (signing key"
            << (key->key.signer.empty() ? "" : " of " + key->key.signer) << ")\n"
            << "public key:  " << written->public_path
            << "   (give this file to the gateway operator to register)\n"
            << "secret key:  " << written->secret_path
            << "   (mode 0600; keep it on your side only: it signs " << f.agency
            << "'s agreements)\n";
  if (!previous.empty()) {
    std::cout << "previous:    " << previous.back().kid
              << " (its signatures count while its .sign.pub.json stays registered: sign the "
                 "agreements in force with the new key before the operator removes it)\n";
  }
}

void add_gen(CLI::App* keys, bool rotate) {
  auto flags = std::make_shared<KeyFlags>();
  CLI::App* cmd = keys->add_subcommand(
      rotate ? "rotate" : "gen",
      rotate ? "add a new key for an agency that has one (new kid; the old secret is kept)"
             : "generate an agency's first key pair (X25519 encryption, or Ed25519 signing)");
  cmd->add_option("--agency", flags->agency, "agency id, e.g. provider.lvws")->required();
  cmd->add_option("--dir", flags->dir, "directory for the key files")->capture_default_str();
  cmd->add_option("--purpose", flags->purpose,
                  "encryption (field encryption, docs/field-encryption.md) or signing "
                  "(agreement signatures, docs/agreements.md)")
      ->check(CLI::IsMember({"encryption", "signing"}))
      ->capture_default_str();
  cmd->add_option("--signer", flags->signer,
                  "signing keys: who holds it, e.g. \"J. Smith, DPO\" (written into the key file)");
  cmd->callback([flags, rotate] {
    if (flags->purpose == "signing") {
      generate_signing(*flags, rotate);
    } else {
      if (!flags->signer.empty()) fail_local("--signer is for --purpose signing only");
      generate_encryption(*flags, rotate);
    }
  });
}

std::string secret_state(const std::string& secret_path) {
  struct stat st {};
  if (::stat(secret_path.c_str(), &st) != 0) return "no";
  return (st.st_mode & 077) == 0 ? "yes" : "yes, INSECURE MODE (chmod 600 " + secret_path + ")";
}

void add_list(CLI::App* keys) {
  auto dir = std::make_shared<std::string>("keys");
  CLI::App* cmd = keys->add_subcommand(
      "list", "list the keys in a directory, both purposes; the encryption key in use marked");
  cmd->add_option("--dir", *dir, "directory of key files")->capture_default_str();
  cmd->callback([dir] {
    auto reg = crypto::KeyRegistry::load_dir(*dir);
    if (!reg) fail_local(reg.error().message);
    auto files = crypto::read_dir_files(*dir, gov::kSigningPublicSuffix);
    if (!files) fail_local(files.error().message);
    auto signers = gov::SignerRegistry::parse(*files);
    if (!signers) fail_local(signers.error().message);
    std::cout << std::left << std::setw(12) << "PURPOSE" << std::setw(24) << "AGENCY"
              << std::setw(46) << "KID" << std::setw(26) << "CREATED"
              << "SECRET\n";
    for (const auto& k : reg->all()) {
      const bool current = reg->current(k.agency) == &k;
      std::cout << std::setw(12) << "encryption" << std::setw(24) << k.agency << std::setw(46)
                << k.kid << std::setw(26) << k.created
                << secret_state(*dir + "/" + crypto::key_file_stem(k.kid) + ".secret.json")
                << (current ? "  [current]" : "") << "\n";
    }
    for (const auto& k : signers->all()) {
      std::cout << std::setw(12) << "signing" << std::setw(24) << k.agency << std::setw(46) << k.kid
                << std::setw(26) << k.created << secret_state(*dir + "/" + gov::secret_file_name(k))
                << (k.signer.empty() ? "" : "  signer: " + k.signer) << "\n";
    }
    if (reg->all().empty() && signers->all().empty()) {
      std::cout << "(no *.pub.json key files in " << *dir << ")\n";
    }
  });
}

}  // namespace

void add_key_commands(CLI::App& app) {
  CLI::App* keys = app.add_subcommand(
      "keys",
      "agency keys: gen, rotate, list; encryption (docs/field-encryption.md) or agreement "
      "signing (docs/agreements.md)");
  keys->require_subcommand(1);
  add_gen(keys, false);
  add_gen(keys, true);
  add_list(keys);
}

}  // namespace accord::cli
