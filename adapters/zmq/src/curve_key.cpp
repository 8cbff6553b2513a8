#include "accord/adapters/zmq/curve_key.hpp"

#include <sys/stat.h>
#include <zmq.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace accord::adapters {
namespace {

namespace fs = std::filesystem;

std::string trimmed(std::string text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

Result<std::string> read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("io", "cannot read " + path + ": " + std::strerror(errno), path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  if (text.size() > 4096) return make_error("invalid_key", path + " is not a key file", path);
  return trimmed(std::move(text));
}

Result<CurveKeyPair> create(const std::string& path, env::Env& env) {
  std::array<char, 41> pub{}, sec{};
  if (zmq_curve_keypair(pub.data(), sec.data()) != 0) {
    return make_error("io", std::string("zmq_curve_keypair: ") + zmq_strerror(zmq_errno()), path);
  }
  std::error_code ec;
  const auto parent = fs::path(path).parent_path();
  if (!parent.empty() && !fs::exists(parent)) {
    fs::create_directories(parent, ec);
    if (!ec) fs::permissions(parent, fs::perms::owner_all, ec);
    if (ec) return make_error("io", "cannot create " + parent.string() + ": " + ec.message(), path);
  }
  // Exclusive: two gateways racing on the same path must not overwrite each other's key.
  std::string line = std::string(sec.data()) + "\n";
  auto written = env.write_new_file(path, line, 0600);
  std::fill(line.begin(), line.end(), '\0');
  if (!written.ok()) return make_error("io", written.error().message, path);
  return CurveKeyPair{pub.data(), sec.data()};
}

}  // namespace

bool is_z85_key(std::string_view text) {
  if (text.size() != 40) return false;
  const std::string copy(text);
  std::array<std::uint8_t, 32> raw{};
  return zmq_z85_decode(raw.data(), copy.c_str()) != nullptr;
}

Result<CurveKeyPair> load_or_create_secret_key(const std::string& path, env::Env& env) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return create(path, env);
    return make_error("io", "cannot stat " + path + ": " + std::strerror(errno), path);
  }
  // A secret key others can read is no longer secret: refuse rather than run with it.
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return make_error("insecure_key", path + " is readable by group or others (chmod 600)", path);
  }
  auto text = read_small_file(path);
  if (!text.ok()) return text.error();
  if (!is_z85_key(text.value())) {
    return make_error("invalid_key", path + " does not hold one Z85 CURVE secret key", path);
  }
  std::array<char, 41> pub{};
  if (zmq_curve_public(pub.data(), text.value().c_str()) != 0) {
    return make_error("invalid_key", path + ": cannot derive the public key", path);
  }
  return CurveKeyPair{pub.data(), text.value()};
}

Result<std::string> read_public_key_file(const std::string& path) {
  auto text = read_small_file(path);
  if (!text.ok()) return text.error();
  if (!is_z85_key(text.value())) {
    return make_error("invalid_key", path + " does not hold one Z85 CURVE public key", path);
  }
  return text.value();
}

}  // namespace accord::adapters
