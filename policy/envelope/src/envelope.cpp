#include "accord/envelope/envelope.hpp"

#include <algorithm>

#include "text_rules.hpp"

namespace accord::envelope {

const Field* Envelope::find(std::string_view path) const {
  auto it = std::lower_bound(data.begin(), data.end(), path,
                             [](const Field& f, std::string_view p) { return f.path < p; });
  return it != data.end() && it->path == path ? &*it : nullptr;
}

bool is_date_time(std::string_view text) {
  return rules::is_rfc3339(text);
}

}  // namespace accord::envelope
