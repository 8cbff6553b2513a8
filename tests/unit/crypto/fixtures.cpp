#include "fixtures.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "accord/crypto/bytes.hpp"
#include "accord/envelope/codec.hpp"

namespace accord::crypto::testing {

envelope::Envelope sample_envelope(const std::string& id) {
  const std::string json = R"({"id":")" + id + R"(","type":"referral.created",
    "case":{"urn":"01AB1234521","owner":"police.met"},
    "subject":{"role":"victim","ref":"V-7F3A"},
    "occurred_at":"2026-11-20T09:30:00Z","classification":"OFFICIAL-SENSITIVE",
    "data":{"victim":{"contact":{"phone":"07700 900123","email":"jo.bloggs@example.org",
      "address":"Flat 3, 12 Example Road, London","phone-2":"07700 900456",
      "safe_times":["Mon-Fri 10:00-12:00","Sat 09:00-11:00"],"do_not_leave_messages":true},
      "dob":"1987-03-14","postcode":"SE1 7XX","needs":{"health":"Type 1 diabetes; uses a wheelchair",
      "language":"Polish \u00e9\u4e2d \"quoted\" \\ tab\t"},"age":38,"score":1.5,"none":null,"empty":{}},
      "offence":{"category":"burglary","crime_reference":"CR-0012345-26",
      "summary":"Entry forced via rear door at night; victim present and frightened."},
      "consent":{"referral":"explicit"}}})";
  auto e = decode_delivered(json);
  if (!e) {
    ADD_FAILURE() << e.error().message << " at " << e.error().path;
    std::abort();
  }
  return *e;
}

AgencySecretKey make_key(const std::string& agency, std::int64_t unix_ms) {
  auto key = generate_agency_key(agency, unix_ms);
  if (!key) std::abort();
  return *key;
}

envelope::Envelope encrypt_copy(const envelope::Envelope& e,
                                const std::vector<std::string>& protect, const RecipientKey& key,
                                const std::string& sender, const std::string& recipient) {
  auto enc = make_field_encryptor(key, FieldContext{e.id, sender, recipient});
  if (!enc) {
    ADD_FAILURE() << enc.error().message;
    std::abort();
  }
  envelope::Envelope copy = e;
  for (auto& f : copy.data) {
    if (std::find(protect.begin(), protect.end(), "data." + f.path) == protect.end()) continue;
    auto value = (*enc)(f);
    if (!value) std::abort();
    f.json = *value;
  }
  return copy;
}

envelope::Envelope as_delivered(const envelope::Envelope& copy) {
  auto e = decode_delivered(envelope::encode(copy));
  if (!e) {
    ADD_FAILURE() << e.error().message << " at " << e.error().path;
    std::abort();
  }
  return *e;
}

void set_leaf(envelope::Envelope& e, const std::string& path, const std::string& json) {
  for (auto& f : e.data) {
    if (f.path == path) {
      f.json = json;
      return;
    }
  }
  ADD_FAILURE() << "no leaf " << path;
  std::abort();
}

const std::string& leaf(const envelope::Envelope& e, const std::string& path) {
  const auto* f = e.find(path);
  if (f == nullptr) {
    ADD_FAILURE() << "no leaf " << path;
    std::abort();
  }
  return f->json;
}

void flip_base64_leaf(envelope::Envelope& e, const std::string& path, std::size_t byte) {
  const std::string& json = leaf(e, path);
  auto bytes = from_base64(json.substr(1, json.size() - 2));
  if (!bytes || bytes->size() <= byte) std::abort();
  (*bytes)[byte] ^= 0x01;
  set_leaf(e, path, "\"" + to_base64(*bytes) + "\"");
}

}  // namespace accord::crypto::testing
