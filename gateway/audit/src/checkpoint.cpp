#include <nlohmann/json.hpp>

#include "accord/audit/chain.hpp"
#include "accord/core/time_format.hpp"
#include "accord/crypto/bytes.hpp"

namespace accord::audit {

std::string checkpoint_signing_input(std::int64_t seq, const Digest& head, std::string_view at) {
  std::string out;
  crypto::append_length_prefixed(out, kCheckpointDomain);
  crypto::append_length_prefixed(out, std::to_string(seq));
  crypto::append_length_prefixed(out, to_hex(head));
  crypto::append_length_prefixed(out, at);
  return out;
}

Checkpoint make_checkpoint(std::int64_t seq, const Digest& head, std::int64_t at_ms,
                           const Sign& sign) {
  Checkpoint c;
  c.seq = seq;
  c.head = head;
  c.at = format_time_ms(at_ms);
  c.signature = sign(checkpoint_signing_input(seq, head, c.at));
  return c;
}

std::string encode_checkpoint(const Checkpoint& c) {
  nlohmann::ordered_json out;
  out["seq"] = c.seq;
  out["head"] = to_hex(c.head);
  out["at"] = c.at;
  out["alg"] = c.signature.alg;
  out["kid"] = c.signature.kid;
  out["sig"] = c.signature.sig;
  return out.dump();
}

Result<Checkpoint> parse_checkpoint(std::string_view json) {
  const auto doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  auto bad = [](const std::string& why) { return make_error("bad_checkpoint", why); };
  if (!doc.is_object()) return bad("a checkpoint is a JSON object");
  static const char* kMembers[] = {"seq", "head", "at", "alg", "kid", "sig"};
  if (doc.size() != std::size(kMembers)) {
    return bad("a checkpoint has exactly seq, head, at, alg, kid and sig");
  }
  for (const char* member : kMembers) {
    if (!doc.contains(member)) return bad(std::string("checkpoint without '") + member + "'");
    const bool numeric = std::string_view(member) == "seq";
    if (numeric ? !doc[member].is_number_integer() : !doc[member].is_string()) {
      return bad(std::string("checkpoint member '") + member + "' has the wrong type");
    }
  }
  Checkpoint c;
  c.seq = doc["seq"].get<std::int64_t>();
  if (c.seq < 0) return bad("checkpoint seq is negative");
  auto head = digest_from_hex(doc["head"].get<std::string>());
  if (!head.ok()) return bad("checkpoint head: " + head.error().message);
  c.head = head.value();
  c.at = doc["at"].get<std::string>();
  c.signature.alg = doc["alg"].get<std::string>();
  c.signature.kid = doc["kid"].get<std::string>();
  c.signature.sig = doc["sig"].get<std::string>();
  return c;
}

Status verify_checkpoint(const Checkpoint& c, const crypto::GatewayPublicKey& key) {
  return crypto::verify_signature(checkpoint_signing_input(c.seq, c.head, c.at), c.signature, key);
}

}  // namespace accord::audit
