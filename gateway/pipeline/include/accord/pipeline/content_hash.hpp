// Hex SHA-256, the digest the pipeline names bodies and copies by.
#pragma once

#include <string>
#include <string_view>

namespace accord::pipeline {

// Lower-case hex SHA-256 of `bytes`: the dedup content hash of a body, and the copy_hash of
// a stored copy in its decision record.
std::string content_hash(std::string_view bytes);

}  // namespace accord::pipeline
