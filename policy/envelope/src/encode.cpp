// encode(): canonical form. Strings are escaped by nlohmann::json (never hand-rolled);
// data leaves are copied verbatim because decode() already stored them minified.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "accord/envelope/codec.hpp"

namespace accord::envelope {
namespace {

// `replace` instead of the default strict handler: encode() must not throw, and an envelope
// built by hand (not by decode) might carry invalid UTF-8.
// Printable ASCII without '"' or '\\' needs no escaping (every identifier of the envelope is
// such), so it is copied directly; anything else goes through nlohmann's serializer.
void append_string(std::string& out, std::string_view text) {
  if (std::all_of(text.begin(), text.end(),
                  [](char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; })) {
    out.append(1, '"').append(text).append(1, '"');
    return;
  }
  out += nlohmann::json(std::string(text))
             .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void append_member(std::string& out, std::string_view key, std::string_view value) {
  append_string(out, key);
  out += ':';
  append_string(out, value);
}

void split(std::string_view path, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t start = 0;
  while (true) {
    std::size_t dot = path.find('.', start);
    out.push_back(path.substr(start, dot == path.npos ? path.npos : dot - start));
    if (dot == path.npos) return;
    start = dot + 1;
  }
}

// Re-nests the sorted dotted paths: a run of paths sharing a prefix is contiguous in sorted
// order, so one stack of open objects suffices.
void append_data(std::string& out, const std::vector<Field>& data) {
  std::vector<const Field*> fields;
  fields.reserve(data.size());
  for (const Field& f : data) fields.push_back(&f);
  auto by_path = [](const Field* a, const Field* b) { return a->path < b->path; };
  if (!std::is_sorted(fields.begin(), fields.end(), by_path)) {
    std::sort(fields.begin(), fields.end(), by_path);
  }
  std::vector<std::string_view> open;  // keys of the objects currently open below data
  std::vector<bool> empty{true};       // per open level (data itself is level 0)
  std::vector<std::string_view> segs;
  out += '{';
  for (const Field* field : fields) {
    split(field->path, segs);
    std::size_t common = 0;
    while (common < open.size() && common + 1 < segs.size() && open[common] == segs[common]) {
      ++common;
    }
    while (open.size() > common) {
      out += '}';
      open.pop_back();
      empty.pop_back();
    }
    for (std::size_t i = common; i < segs.size(); ++i) {
      if (!empty.back()) out += ',';
      empty.back() = false;
      append_string(out, segs[i]);
      out += ':';
      if (i + 1 == segs.size()) break;
      out += '{';
      open.push_back(segs[i]);
      empty.push_back(true);
    }
    out += field->json;
  }
  out.append(open.size(), '}');
  out += '}';
}

}  // namespace

std::string encode(const Envelope& envelope) {
  std::string out;
  out.reserve(256 + 64 * envelope.data.size());
  out += '{';
  append_member(out, "id", envelope.id);
  out += ',';
  append_member(out, "type", envelope.type);
  out += ",\"case\":{";
  append_member(out, "urn", envelope.case_ref.urn);
  out += ',';
  append_member(out, "owner", envelope.case_ref.owner);
  out += "},\"subject\":{";
  append_member(out, "role", envelope.subject.role);
  out += ',';
  append_member(out, "ref", envelope.subject.ref);
  out += "},";
  append_member(out, "occurred_at", envelope.occurred_at);
  out += ',';
  append_member(out, "classification", envelope.classification);
  out += ",\"data\":";
  append_data(out, envelope.data);
  out += '}';
  return out;
}

}  // namespace accord::envelope
