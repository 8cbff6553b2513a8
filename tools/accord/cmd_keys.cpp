// accord keys gen | rotate | list: an agency's X25519 encryption keys (docs/field-encryption.md
// §5). The agency runs these on its own machine; it hands the .pub.json file to the gateway
// operator and keeps the .secret.json file (0600) to decrypt what it receives.
#include <sys/stat.h>

#include <chrono>
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>

#include "accord/crypto/key_files.hpp"
#include "accord/crypto/key_registry.hpp"
#include "cli_errors.hpp"
#include "commands.hpp"

namespace accord::cli {
namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct KeyFlags {
  std::string agency;
  std::string dir = "keys";
};

void generate(const KeyFlags& f, bool rotate) {
  const crypto::RecipientKey* previous = nullptr;
  crypto::KeyRegistry existing;
  struct stat st {};
  if (::stat(f.dir.c_str(), &st) == 0) {
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

void add_gen(CLI::App* keys, bool rotate) {
  auto flags = std::make_shared<KeyFlags>();
  CLI::App* cmd = keys->add_subcommand(
      rotate ? "rotate" : "gen",
      rotate ? "add a new key for an agency that has one (new kid; the old secret is kept)"
             : "generate an agency's first X25519 encryption key pair");
  cmd->add_option("--agency", flags->agency, "agency id, e.g. provider.lvws")->required();
  cmd->add_option("--dir", flags->dir, "directory for the key files")->capture_default_str();
  cmd->callback([flags, rotate] { generate(*flags, rotate); });
}

void add_list(CLI::App* keys) {
  auto dir = std::make_shared<std::string>("keys");
  CLI::App* cmd = keys->add_subcommand("list", "list the keys in a directory, newest marked");
  cmd->add_option("--dir", *dir, "directory of key files")->capture_default_str();
  cmd->callback([dir] {
    auto reg = crypto::KeyRegistry::load_dir(*dir);
    if (!reg) fail_local(reg.error().message);
    std::cout << std::left << std::setw(24) << "AGENCY" << std::setw(46) << "KID" << std::setw(26)
              << "CREATED"
              << "SECRET\n";
    for (const auto& k : reg->all()) {
      const std::string secret = *dir + "/" + crypto::key_file_stem(k.kid) + ".secret.json";
      struct stat st {};
      std::string state = "no";
      if (::stat(secret.c_str(), &st) == 0) {
        state = (st.st_mode & 077) == 0 ? "yes" : "yes, INSECURE MODE (chmod 600 " + secret + ")";
      }
      const bool current = reg->current(k.agency) == &k;
      std::cout << std::setw(24) << k.agency << std::setw(46) << k.kid << std::setw(26) << k.created
                << state << (current ? "  [current]" : "") << "\n";
    }
    if (reg->all().empty()) std::cout << "(no *.pub.json key files in " << *dir << ")\n";
  });
}

}  // namespace

void add_key_commands(CLI::App& app) {
  CLI::App* keys = app.add_subcommand(
      "keys", "agency encryption keys: gen, rotate, list (docs/field-encryption.md)");
  keys->require_subcommand(1);
  add_gen(keys, false);
  add_gen(keys, true);
  add_list(keys);
}

}  // namespace accord::cli
