#include "accord/api/json_body.hpp"

#include <strings.h>

#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

namespace accord::api {
namespace {

using nlohmann::json;

// One open object or array while the parser walks the document.
struct Frame {
  bool object = false;
  std::unordered_set<std::string> keys;  // objects: the keys seen so far
  std::string key;                       // objects: the member being read
  std::size_t index = 0;                 // arrays: the element being read
};

std::string path_of(const std::vector<Frame>& frames) {
  std::string path;
  for (const auto& frame : frames) {
    if (frame.object) {
      if (!path.empty()) path += '.';
      path += frame.key;
    } else {
      path += '[' + std::to_string(frame.index) + ']';
    }
  }
  return path;
}

}  // namespace

Result<json> parse_json_body(std::string_view body) {
  std::vector<Frame> frames;
  std::optional<std::string> duplicate;  // the path of the first repeated key
  auto element_done = [&frames] {
    if (!frames.empty() && !frames.back().object) ++frames.back().index;
  };
  const json::parser_callback_t watch = [&](int /*depth*/, json::parse_event_t event,
                                            json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        frames.emplace_back().object = true;
        break;
      case json::parse_event_t::array_start:
        frames.emplace_back();
        break;
      case json::parse_event_t::key:
        if (!frames.empty() && frames.back().object) {
          frames.back().key = parsed.get<std::string>();
          if (!frames.back().keys.insert(frames.back().key).second && !duplicate) {
            duplicate = path_of(frames);
          }
        }
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        if (!frames.empty()) frames.pop_back();
        element_done();
        break;
      case json::parse_event_t::value:  // scalars only: containers end with *_end
        element_done();
        break;
    }
    return true;  // keep everything; the duplicate is reported after the parse
  };
  json parsed = json::parse(body, watch, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return make_error("invalid_json", "the body is not JSON", "");
  if (duplicate) {
    return make_error("duplicate_key", "key '" + *duplicate + "' given twice", *duplicate);
  }
  return parsed;
}

bool is_json_media_type(std::string_view content_type) {
  auto media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  return media.size() == 16 && strncasecmp(media.data(), "application/json", 16) == 0;
}

}  // namespace accord::api
