// The console's files as the build embedded them (console/ at the repository root, written
// into a generated .cpp by embed_assets.cmake), and the content type of a file name.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace accord::console {

struct EmbeddedFile {
  const char* name;  // relative to console/, '/'-separated: "app.js", "pages/audit.js"
  const unsigned char* data;
  std::size_t size;
  const char* etag;  // the sha256 of the bytes, lower-case hex, in double quotes
  std::string_view bytes() const { return {reinterpret_cast<const char*>(data), size}; }
};

// Every embedded file, in name order.
std::span<const EmbeddedFile> embedded_files();

// The file of that name, or nullptr.
const EmbeddedFile* find_embedded(std::string_view name);

// By extension (docs/console.md, "Serving"): text/html, text/javascript and text/css with
// charset=utf-8, image/svg+xml, image/png, application/json, font/woff2, text/plain for .txt
// and .md; anything else application/octet-stream.
std::string_view content_type_for(std::string_view name);

}  // namespace accord::console
