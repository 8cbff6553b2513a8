#include "accord/crypto/key_files.hpp"

#include <sodium.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "accord/core/time_format.hpp"
#include "accord/crypto/bytes.hpp"
#include "accord/crypto/key_dir.hpp"

namespace accord::crypto {
namespace {

static_assert(kX25519KeyBytes == crypto_box_PUBLICKEYBYTES);
static_assert(kX25519KeyBytes == crypto_box_SECRETKEYBYTES);

using nlohmann::json;

Error file_error(std::string code, std::string message, std::string_view source) {
  return make_error(std::move(code), std::string(source) + ": " + message, std::string(source));
}

Result<std::string> string_member(const json& j, const char* name, std::string_view source) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) {
    return file_error("bad_key_file", std::string("member \"") + name + "\" missing or not text",
                      source);
  }
  return it->get<std::string>();
}

Result<PublicKeyBytes> key_member(const json& j, const char* name, std::string_view source) {
  auto text = string_member(j, name, source);
  if (!text) return text.error();
  auto bytes = from_base64(*text);
  if (!bytes) {
    return file_error("bad_key_file", std::string("\"") + name + "\" is not base64", source);
  }
  if (bytes->size() != kX25519KeyBytes) {
    return file_error(
        "bad_key_file",
        std::string("\"") + name + "\" must be 32 bytes, not " + std::to_string(bytes->size()),
        source);
  }
  PublicKeyBytes out;
  std::copy(bytes->begin(), bytes->end(), out.begin());
  sodium_memzero(bytes->data(), bytes->size());
  return out;
}

// The members both file kinds share.
Result<RecipientKey> parse_common(const json& j, std::string_view source) {
  if (!j.is_object()) return file_error("bad_key_file", "not a JSON object", source);
  RecipientKey key;
  key.source = std::string(source);
  auto agency = string_member(j, "agency", source);
  if (!agency) return agency.error();
  if (!is_valid_agency_id(*agency)) {
    return file_error(
        "invalid_agency",
        "agency id \"" + *agency + "\" is not <kind>.<name> (lowercase letters, digits, '-', '.')",
        source);
  }
  key.agency = *agency;
  auto kid = string_member(j, "kid", source);
  if (!kid) return kid.error();
  if (!is_valid_kid(*kid, key.agency)) {
    return file_error("bad_key_file",
                      "kid \"" + *kid + "\" is not " + key.agency + ":<yyyymmddThhmmssZ>:<4 hex>",
                      source);
  }
  key.kid = *kid;
  auto alg = string_member(j, "alg", source);
  if (!alg) return alg.error();
  if (*alg != kX25519Alg) {
    return file_error("bad_key_file", "alg \"" + *alg + "\" is not x25519", source);
  }
  auto created = string_member(j, "created", source);
  if (!created) return created.error();
  if (!keys::is_created_time(*created)) {
    return file_error("bad_key_file", "created must be YYYY-MM-DDTHH:MM:SS.mmmZ", source);
  }
  key.created = *created;
  auto pk = key_member(j, "public_key", source);
  if (!pk) return pk.error();
  key.public_key = *pk;
  return key;
}

Result<json> parse_json(std::string_view text, std::string_view source) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return file_error("bad_key_file", "not valid JSON", source);
  return j;
}

json public_members(const RecipientKey& key) {
  return json{{"agency", key.agency},
              {"kid", key.kid},
              {"alg", kX25519Alg},
              {"public_key", to_base64(key.public_key)},
              {"created", key.created}};
}

}  // namespace

SecretKeyBytes::~SecretKeyBytes() {
  sodium_memzero(bytes.data(), bytes.size());
}

std::string format_utc_ms(std::int64_t unix_ms) {
  return format_time_ms(unix_ms);
}

Result<AgencySecretKey> generate_agency_key(std::string_view agency, std::int64_t unix_ms,
                                            env::Env& env) {
  ensure_sodium();
  if (!is_valid_agency_id(agency)) {
    return make_error("invalid_agency", "agency id \"" + std::string(agency) +
                                            "\" is not <kind>.<name> (lowercase letters, "
                                            "digits, '-', '.'; kind police, cps, wcu, court, "
                                            "probation, provider or oversight)");
  }
  AgencySecretKey key;
  key.pub.agency = std::string(agency);
  key.pub.created = format_utc_ms(unix_ms);
  std::array<unsigned char, 2> suffix{};
  env.random_bytes(suffix);
  key.pub.kid = keys::make_kid(key.pub.agency, key.pub.created, suffix);
  crypto_box_keypair(key.pub.public_key.data(), key.secret_key.bytes.data());
  return key;
}

std::string public_key_file_text(const RecipientKey& key) {
  return public_members(key).dump(2) + "\n";
}

std::string secret_key_file_text(const AgencySecretKey& key) {
  json j = public_members(key.pub);
  j["format"] = kSecretKeyFormat;
  j["secret_key"] = to_base64(key.secret_key.bytes);
  std::string text = j.dump(2) + "\n";
  // The JSON value holds a copy of the encoded secret: wipe it before it is freed.
  std::string& s = j["secret_key"].get_ref<std::string&>();
  sodium_memzero(s.data(), s.size());
  return text;
}

Result<RecipientKey> parse_public_key_file(std::string_view text, std::string_view source) {
  auto j = parse_json(text, source);
  if (!j) return j.error();
  if (j->contains("secret_key")) {
    return file_error("bad_key_file",
                      "this is a secret key file: give the gateway the .pub.json file only",
                      source);
  }
  return parse_common(*j, source);
}

Result<AgencySecretKey> parse_secret_key_file(std::string_view text, std::string_view source) {
  auto j = parse_json(text, source);
  if (!j) return j.error();
  auto pub = parse_common(*j, source);
  if (!pub) return pub.error();
  auto format = string_member(*j, "format", source);
  if (!format) return format.error();
  if (*format != kSecretKeyFormat) {
    return file_error("bad_key_file",
                      "format \"" + *format + "\" is not " + std::string(kSecretKeyFormat), source);
  }
  auto sk = key_member(*j, "secret_key", source);
  if (!sk) return sk.error();
  AgencySecretKey key;
  key.pub = std::move(*pub);
  key.secret_key.bytes = *sk;
  sodium_memzero(sk->data(), sk->size());
  PublicKeyBytes derived;
  crypto_scalarmult_base(derived.data(), key.secret_key.bytes.data());
  if (sodium_memcmp(derived.data(), key.pub.public_key.data(), derived.size()) != 0) {
    return file_error("bad_key_file", "secret_key does not match public_key", source);
  }
  return key;
}

Result<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return file_error("io_error", std::strerror(errno), path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return file_error("io_error", "read failed", path);
  return buffer.str();
}

Result<AgencySecretKey> read_secret_key_file(const std::string& path) {
  ensure_sodium();
  auto text = read_private_file(path);
  if (!text) return text.error();
  auto key = parse_secret_key_file(*text, path);
  sodium_memzero(text->data(), text->size());
  return key;
}

Result<std::vector<AgencySecretKey>> read_secret_keys(const std::string& file_or_dir) {
  struct stat st {};
  if (::stat(file_or_dir.c_str(), &st) != 0) {
    return file_error("io_error", std::strerror(errno), file_or_dir);
  }
  std::vector<AgencySecretKey> keys;
  if (!S_ISDIR(st.st_mode)) {
    auto key = read_secret_key_file(file_or_dir);
    if (!key) return key.error();
    keys.push_back(std::move(*key));
    return keys;
  }
  auto paths = list_dir_files(file_or_dir, ".secret.json");
  if (!paths) return paths.error();
  for (const auto& path : *paths) {
    if (path.ends_with(".sign.secret.json")) continue;  // an agreement signing key
    auto key = read_secret_key_file(path);
    if (!key) return key.error();
    keys.push_back(std::move(*key));
  }
  if (keys.empty()) {
    return file_error("io_error", "no *.secret.json key file in this directory", file_or_dir);
  }
  return keys;
}

Status write_new_file(const std::string& path, std::string_view content, unsigned mode,
                      env::Env& env) {
  Status written = env.write_new_file(path, content, mode);
  if (written || written.error().code != "file_exists") return written;
  return file_error("file_exists", "already exists; key files are never overwritten", path);
}

Result<WrittenKeyFiles> write_key_pair(const std::string& dir, const std::string& public_name,
                                       std::string_view public_text, const std::string& secret_name,
                                       std::string_view secret_text, env::Env& env) {
  // Parents as needed (like mkdir -p); the key directory itself is private to its owner.
  const auto parent = std::filesystem::path(dir).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return file_error("io_error", ec.message(), parent.string());
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return file_error("io_error", std::strerror(errno), dir);
  }
  WrittenKeyFiles out{dir + "/" + public_name, dir + "/" + secret_name};
  Status s = write_new_file(out.secret_path, secret_text, 0600, env);
  if (!s) return s.error();
  Status p = write_new_file(out.public_path, public_text, 0644, env);
  if (!p) {
    (void)env.remove_file(out.secret_path);  // never leave a secret without its public half
    return p.error();
  }
  return out;
}

Result<WrittenKeyFiles> write_key_files(const std::string& dir, const AgencySecretKey& key,
                                        env::Env& env) {
  const std::string stem = key_file_stem(key.pub.kid);
  std::string secret = secret_key_file_text(key);
  auto written = write_key_pair(dir, stem + ".pub.json", public_key_file_text(key.pub),
                                stem + ".secret.json", secret, env);
  sodium_memzero(secret.data(), secret.size());
  return written;
}

}  // namespace accord::crypto
