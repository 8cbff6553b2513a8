// Which console file a request path names: the one rule that keeps a request inside
// console/ (docs/console.md, "Serving"). Pure.
#pragma once

#include <string>
#include <string_view>

#include "accord/core/result.hpp"

namespace accord::console {

// `rest` is the request path after "/console/" (query string already removed); "" names
// index.html. A name is '/'-separated segments of letters, digits, '.', '_' and '-', none
// empty and none starting with '.' (so no "..", no hidden file). A byte outside that alphabet
// (a '%' escape, a backslash, NUL, a control or non-ASCII byte) is 400 invalid_request; a
// name of the alphabet that breaks the segment rules is 404 not_found, as an unknown file.
Result<std::string> asset_name(std::string_view rest);

}  // namespace accord::console
