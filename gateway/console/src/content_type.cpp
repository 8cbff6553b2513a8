#include <algorithm>
#include <array>
#include <utility>

#include "accord/console/assets.hpp"

namespace accord::console {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kTypes{{
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".json", "application/json"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
    {".md", "text/plain; charset=utf-8"},
}};

}  // namespace

std::string_view content_type_for(std::string_view name) {
  for (const auto& [extension, type] : kTypes) {
    if (name.ends_with(extension)) return type;
  }
  return "application/octet-stream";
}

const EmbeddedFile* find_embedded(std::string_view name) {
  const auto files = embedded_files();
  const auto it = std::find_if(files.begin(), files.end(),
                               [&](const EmbeddedFile& file) { return file.name == name; });
  return it == files.end() ? nullptr : &*it;
}

}  // namespace accord::console
