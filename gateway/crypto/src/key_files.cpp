#include "accord/crypto/key_files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "accord/agreements/agency.hpp"
#include "accord/core/time_format.hpp"
#include "accord/crypto/bytes.hpp"

namespace accord::crypto {
namespace {

static_assert(kX25519KeyBytes == crypto_box_PUBLICKEYBYTES);
static_assert(kX25519KeyBytes == crypto_box_SECRETKEYBYTES);

using nlohmann::json;

Error file_error(std::string code, std::string message, std::string_view source) {
  return make_error(std::move(code), std::string(source) + ": " + message, std::string(source));
}

bool is_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "YYYY-MM-DDTHH:MM:SS.mmmZ": one fixed width, so byte order is time order.
bool is_created_time(std::string_view t) {
  if (t.size() != 24) return false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    switch (i) {
      case 4:
      case 7:
        if (c != '-') return false;
        break;
      case 10:
        if (c != 'T') return false;
        break;
      case 13:
      case 16:
        if (c != ':') return false;
        break;
      case 19:
        if (c != '.') return false;
        break;
      case 23:
        if (c != 'Z') return false;
        break;
      default:
        if (c < '0' || c > '9') return false;
    }
  }
  return true;
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
  if (!is_created_time(*created)) {
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

bool is_valid_agency_id(std::string_view agency) {
  if (agency.empty() || agency.size() > 64) return false;
  for (char c : agency) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  }
  const auto dot = agency.find('.');
  if (dot == std::string_view::npos || dot + 1 == agency.size() || agency.back() == '.' ||
      agency.find("..") != std::string_view::npos) {
    return false;
  }
  const std::string_view kind = agency.substr(0, dot);
  return std::find(std::begin(agreements::AgencyDirectory::kKinds),
                   std::end(agreements::AgencyDirectory::kKinds),
                   kind) != std::end(agreements::AgencyDirectory::kKinds);
}

bool is_valid_kid(std::string_view kid, std::string_view agency) {
  // <agency>:<yyyymmddThhmmssZ>:<4 hex>
  if (kid.size() != agency.size() + 1 + 16 + 1 + 4) return false;
  if (kid.substr(0, agency.size()) != agency || kid[agency.size()] != ':') return false;
  const std::string_view stamp = kid.substr(agency.size() + 1, 16);
  if (!is_digits(stamp.substr(0, 8)) || stamp[8] != 'T' || !is_digits(stamp.substr(9, 6)) ||
      stamp[15] != 'Z') {
    return false;
  }
  if (kid[agency.size() + 17] != ':') return false;
  const std::string_view hex = kid.substr(kid.size() - 4);
  return std::all_of(hex.begin(), hex.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
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
  const std::string& c = key.pub.created;  // YYYY-MM-DDTHH:MM:SS.mmmZ
  const std::string stamp = c.substr(0, 4) + c.substr(5, 2) + c.substr(8, 2) + "T" +
                            c.substr(11, 2) + c.substr(14, 2) + c.substr(17, 2) + "Z";
  unsigned char suffix[2];
  env.random_bytes(suffix);
  key.pub.kid = key.pub.agency + ":" + stamp + ":" + to_hex(suffix);
  crypto_box_keypair(key.pub.public_key.data(), key.secret_key.bytes.data());
  return key;
}

std::string key_file_stem(std::string_view kid) {
  // agency:stamp:hex -> agency.stamp-hex (no ':' in file names).
  std::string stem(kid);
  const auto first = stem.find(':');
  const auto last = stem.rfind(':');
  if (first != std::string::npos) stem[first] = '.';
  if (last != std::string::npos && last != first) stem[last] = '-';
  return stem;
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
  // Open first, then fstat the descriptor we read from: no window between check and read.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return file_error("io_error", std::strerror(errno), path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int e = errno;
    ::close(fd);
    return file_error("io_error", std::strerror(e), path);
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return file_error("insecure_permissions",
                      std::string("secret key file has mode ") + mode +
                          ": group or others may access it; run `chmod 600 " + path + "`",
                      path);
  }
  std::string text;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      return file_error("io_error", std::strerror(e), path);
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  sodium_memzero(buffer, sizeof buffer);
  auto key = parse_secret_key_file(text, path);
  sodium_memzero(text.data(), text.size());
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
  DIR* dir = ::opendir(file_or_dir.c_str());
  if (dir == nullptr) return file_error("io_error", std::strerror(errno), file_or_dir);
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(dir)) {
    std::string_view name = e->d_name;
    if (name.size() > 12 && name.ends_with(".secret.json")) names.emplace_back(name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    auto key = read_secret_key_file(file_or_dir + "/" + name);
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

Result<WrittenKeyFiles> write_key_files(const std::string& dir, const AgencySecretKey& key,
                                        env::Env& env) {
  // Parents as needed (like mkdir -p); the key directory itself is private to its owner.
  const auto parent = std::filesystem::path(dir).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return file_error("io_error", ec.message(), parent.string());
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return file_error("io_error", std::strerror(errno), dir);
  }
  const std::string stem = dir + "/" + key_file_stem(key.pub.kid);
  WrittenKeyFiles out{stem + ".pub.json", stem + ".secret.json"};
  std::string secret = secret_key_file_text(key);
  Status s = write_new_file(out.secret_path, secret, 0600, env);
  sodium_memzero(secret.data(), secret.size());
  if (!s) return s.error();
  Status p = write_new_file(out.public_path, public_key_file_text(key.pub), 0644, env);
  if (!p) {
    (void)env.remove_file(out.secret_path);  // never leave a secret without its public half
    return p.error();
  }
  return out;
}

}  // namespace accord::crypto
