#include "accord/governance/archive.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "accord/governance/signing.hpp"

namespace accord::governance {
namespace {

// Ordered: a record's details keep the order the gateway wrote them in (audit-format.md §2).
using ojson = nlohmann::ordered_json;

constexpr std::string_view kAgreementKindPrefix = "agreement.";
constexpr std::string_view kProposed = "agreement.proposed";
constexpr int kMaxVersion = 999'999;  // the loader's six digits

bool id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

Error ref_error(std::string_view text, const std::string& why) {
  return make_error("invalid_agreement_ref",
                    "`" + std::string(text) + "` is not an agreement version id@version: " + why);
}

Error corrupt(std::int64_t seq, const std::string& why) {
  const std::string where = seq > 0 ? "audit record " + std::to_string(seq) : "an audit record";
  return make_error("corrupt", where + " of the agreement archive is malformed: " + why);
}

const std::string* string_member(const ojson& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
}

}  // namespace

std::string AgreementRef::to_string() const {
  return id + "@" + std::to_string(version);
}

Result<AgreementRef> parse_agreement_ref(std::string_view text) {
  const auto at = text.find('@');
  if (at == std::string_view::npos) return ref_error(text, "no '@' between id and version");
  const std::string_view id = text.substr(0, at);
  const std::string_view version = text.substr(at + 1);
  if (id.empty()) return ref_error(text, "the id is empty");
  if (!std::all_of(id.begin(), id.end(), id_char)) {
    return ref_error(text, "the id has characters other than a-z 0-9 - .");
  }
  if (version.empty() || version.size() > 6 ||
      !std::all_of(version.begin(), version.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return ref_error(text, "the version is not a whole number from 1 to 999999");
  }
  if (version.front() == '0') {
    return ref_error(text, "the version is not a whole number from 1 to 999999 (no leading zero)");
  }
  AgreementRef ref;
  ref.id = std::string(id);
  ref.version = std::stoi(std::string(version));
  if (ref.version < 1 || ref.version > kMaxVersion) {
    return ref_error(text, "the version is not a whole number from 1 to 999999");
  }
  return ref;
}

Status ArchiveFold::add(std::string_view record) {
  const std::string wanted = ref_.to_string();
  // Cheap test first: a record names its version as "agreement":"id@version" (no whitespace,
  // and a string value cannot hold an unescaped quote, so the text of a proposed record cannot
  // fake it). Most of a log's records are skipped here unparsed.
  if (record.find("\"agreement\":\"" + wanted + "\"") == std::string_view::npos) return {};
  const ojson doc = ojson::parse(record, nullptr, false);
  if (!doc.is_object()) return {};  // not a record at all: no version is named by it
  const std::string* kind = string_member(doc, "kind");
  const std::string* agreement = string_member(doc, "agreement");
  if (kind == nullptr || agreement == nullptr || *agreement != wanted ||
      !kind->starts_with(kAgreementKindPrefix)) {
    return {};
  }
  const auto seq_it = doc.find("seq");
  const std::int64_t seq =
      seq_it != doc.end() && seq_it->is_number_integer() ? seq_it->get<std::int64_t>() : 0;
  if (seq < 1) return corrupt(0, *kind + " of " + wanted + " has no seq");
  const std::string* at = string_member(doc, "at");
  if (at == nullptr) return corrupt(seq, "no `at`");
  HistoryEntry entry;
  entry.seq = seq;
  entry.at = *at;
  entry.kind = *kind;
  if (const auto* code = string_member(doc, "code")) entry.code = *code;
  if (const auto* reason = string_member(doc, "reason")) entry.reason = *reason;
  std::string content_hash, file, text;
  bool has_text = false;
  if (const auto details = doc.find("details"); details != doc.end()) {
    if (!details->is_object()) return corrupt(seq, "`details` is not an object");
    for (const auto& [key, value] : details->items()) {
      if (!value.is_string()) return corrupt(seq, "details." + key + " is not a string");
      const auto& s = value.get_ref<const std::string&>();
      if (*kind == kProposed && key == "text") {
        text = s;
        has_text = true;
        continue;  // given once, as the archive's text
      }
      if (key == "content_hash") content_hash = s;
      if (key == "file") file = s;
      entry.details.emplace_back(key, s);
    }
  }
  if (*kind == kProposed) {
    if (content_hash.empty()) return corrupt(seq, "agreement.proposed without content_hash");
    if (!has_text) return corrupt(seq, "agreement.proposed without text");
    if (!found_) {
      ArchivedVersion v;
      v.ref = ref_;
      v.content_hash = std::move(content_hash);
      v.file = std::move(file);
      v.text = std::move(text);
      v.verified = governance::content_hash(v.text) == v.content_hash;
      found_ = std::move(v);
    }
  }
  history_.push_back(std::move(entry));
  return {};
}

Result<ArchivedVersion> ArchiveFold::result() const {
  if (!found_) {
    return make_error("unknown_version", "the audit log archives no text for " + ref_.to_string() +
                                             ": no agreement.proposed record names it");
  }
  ArchivedVersion out = *found_;
  out.history = history_;
  return out;
}

Result<ArchivedVersion> archived_version(const AgreementRef& ref,
                                         const std::vector<std::string>& records) {
  ArchiveFold fold(ref);
  for (const auto& r : records) {
    if (auto s = fold.add(r); !s.ok()) return s.error();
  }
  return fold.result();
}

std::optional<AgreementRef> governing_agreement(std::string_view record) {
  const ojson doc = ojson::parse(record, nullptr, false);
  if (!doc.is_object()) return std::nullopt;
  const std::string* kind = string_member(doc, "kind");
  const std::string* agreement = string_member(doc, "agreement");
  if (kind == nullptr || agreement == nullptr) return std::nullopt;
  if (*kind != "decision.accepted" && *kind != "decision.refused" && *kind != "decision.shadow") {
    return std::nullopt;
  }
  auto ref = parse_agreement_ref(*agreement);
  if (!ref.ok()) return std::nullopt;
  return *ref;
}

std::string archive_json(const ArchivedVersion& archived) {
  ojson history = ojson::array();
  for (const auto& h : archived.history) {
    ojson entry = {{"seq", h.seq}, {"at", h.at}, {"kind", h.kind}};
    if (!h.code.empty()) entry["code"] = h.code;
    if (!h.reason.empty()) entry["reason"] = h.reason;
    ojson details = ojson::object();
    for (const auto& [key, value] : h.details) details[key] = value;
    entry["details"] = std::move(details);
    history.push_back(std::move(entry));
  }
  ojson doc = {{"agreement", archived.ref.id},
               {"version", archived.ref.version},
               {"content_hash", archived.content_hash},
               {"file", archived.file},
               {"text", archived.text},
               {"verified", archived.verified},
               {"history", std::move(history)}};
  // The text is the file's bytes: invalid UTF-8 there (which the loader refuses anyway) is
  // replaced rather than thrown on.
  return doc.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

std::string archive_history_text(const ArchivedVersion& archived) {
  std::string out = archived.ref.to_string() + "  " + archived.content_hash + "  file " +
                    archived.file + "  " + std::to_string(archived.text.size()) + " bytes  " +
                    (archived.verified ? "text verified" : "TEXT DOES NOT MATCH ITS HASH") + "\n";
  for (const auto& h : archived.history) {
    out += "  seq " + std::to_string(h.seq) + "  " + h.at + "  " + h.kind;
    if (!h.code.empty() || !h.reason.empty()) {
      out += "  " + h.code + (h.code.empty() || h.reason.empty() ? "" : ": ") + h.reason;
    }
    for (const auto& [key, value] : h.details) {
      if (key == "sig" || (key == "content_hash" && value == archived.content_hash)) continue;
      out += "  " + key + "=" + value;
    }
    out += "\n";
  }
  return out;
}

Result<ArchivedVersion> parse_archive_json(std::string_view json_text) {
  const ojson doc = ojson::parse(json_text, nullptr, false);
  auto bad = [](const std::string& path, const std::string& why) {
    return make_error("invalid_archive", "the archive document's " + path + " " + why, path);
  };
  if (!doc.is_object()) return bad("(document)", "is not a JSON object");
  ArchivedVersion out;
  for (const char* key : {"agreement", "content_hash", "file", "text"}) {
    if (string_member(doc, key) == nullptr) return bad(key, "is missing or not a string");
  }
  const auto version = doc.find("version");
  if (version == doc.end() || !version->is_number_integer()) {
    return bad("version", "is missing or not an integer");
  }
  auto ref = parse_agreement_ref(*string_member(doc, "agreement") + "@" +
                                 std::to_string(version->get<std::int64_t>()));
  if (!ref.ok()) return bad("agreement", ref.error().message);
  out.ref = *ref;
  out.content_hash = *string_member(doc, "content_hash");
  out.file = *string_member(doc, "file");
  out.text = *string_member(doc, "text");
  out.verified = governance::content_hash(out.text) == out.content_hash;
  const auto history = doc.find("history");
  if (history == doc.end() || !history->is_array()) {
    return bad("history", "is missing or not an array");
  }
  for (std::size_t i = 0; i < history->size(); ++i) {
    const auto& h = (*history)[i];
    const std::string path = "history[" + std::to_string(i) + "]";
    if (!h.is_object()) return bad(path, "is not an object");
    HistoryEntry entry;
    const auto seq = h.find("seq");
    if (seq == h.end() || !seq->is_number_integer()) return bad(path + ".seq", "is not an integer");
    entry.seq = seq->get<std::int64_t>();
    const std::string* at = string_member(h, "at");
    const std::string* kind = string_member(h, "kind");
    if (at == nullptr) return bad(path + ".at", "is missing or not a string");
    if (kind == nullptr) return bad(path + ".kind", "is missing or not a string");
    entry.at = *at;
    entry.kind = *kind;
    for (const char* key : {"code", "reason"}) {
      const auto it = h.find(key);
      if (it == h.end()) continue;
      if (!it->is_string()) return bad(path + "." + key, "is not a string");
      (std::string_view(key) == "code" ? entry.code : entry.reason) = it->get<std::string>();
    }
    const auto details = h.find("details");
    if (details == h.end() || !details->is_object()) {
      return bad(path + ".details", "is missing or not an object");
    }
    for (const auto& [key, value] : details->items()) {
      if (!value.is_string()) return bad(path + ".details." + key, "is not a string");
      entry.details.emplace_back(key, value.get<std::string>());
    }
    out.history.push_back(std::move(entry));
  }
  return out;
}

}  // namespace accord::governance
