// The file-drop adapters. Outbound ("filedrop"): each copy becomes one JSON file in a
// directory, written atomically. Inbound ("filedrop"): a watched directory of CSV or
// JSON-lines extracts, each row submitted as the configured agency. docs/adapters.md has the
// settings, file naming, report format and the trust this places in the directory's owner.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "accord/adapters/adapter.hpp"
#include "accord/adapters/registry.hpp"
#include "accord/agreements/retention.hpp"
#include "accord/core/result.hpp"
#include "accord/env/env.hpp"

namespace accord::adapters {

// ---- outbound ----

inline constexpr std::size_t kMaxFiledropWriters = 64;

struct FiledropOutboundSettings {
  std::string directory;
  bool fsync = true;  // fsync the file and the directory before reporting delivered
  // Copies handed over at once (copies of different cases); they share directory fsyncs.
  std::size_t max_in_flight = 32;
  // Threads writing files; concurrent file fsyncs share the file system's journal commits.
  std::size_t writers = 4;
};

// Errors: invalid_config with path "line:col".
Result<FiledropOutboundSettings> parse_filedrop_outbound_settings(const YAML::Node& settings,
                                                                  const std::string& base_dir);

// "<received_at_ms>-<delivery_id>-<message_id>.json", the message id with every byte outside
// [A-Za-z0-9._-] replaced by '_' and cut to 128 bytes. The same copy always gets the same
// name, so a redelivery overwrites instead of duplicating.
std::string filedrop_file_name(const OutboundMessage& message);

// Writes `<directory>/.tmp-<name>`, fsyncs it (if `fsync`), renames it to `<directory>/<name>`
// and fsyncs the directory (if `fsync`), through `env`. A reader never sees a partial file.
// Errors: io, the message naming the failed step, the path and strerror(errno); the
// temporary file is removed.
// With `sync_directory` false the directory fsync is left to the caller (the outbound
// adapter fsyncs it once for every file renamed meanwhile).
Status write_file_atomically(const std::string& directory, const std::string& name,
                             std::string_view content, bool fsync,
                             env::Env& env = env::system_env(), bool sync_directory = true);

// The outbound adapter does its file I/O on `writers` threads of its own, never on the
// io_context: an fsync can take tens of milliseconds. `done` is posted to context.io.
Result<std::unique_ptr<OutboundAdapter>> make_filedrop_outbound(const AdapterContext& context);

// ---- inbound ----

enum class CellType { string, integer, boolean };

struct FiledropInboundSettings {
  enum class Format { csv, jsonl };
  std::string directory;
  std::chrono::milliseconds poll{1000};
  Format format = Format::csv;
  std::size_t max_in_flight = 1;  // rows submitted at once; 1 keeps rows in file order
  // csv only:
  std::string event_type_column;                               // either this column ...
  std::string event_type;                                      // ... or this fixed event type
  std::vector<std::pair<std::string, std::string>> mapping;    // envelope path -> column
  std::vector<std::pair<std::string, std::string>> constants;  // envelope path -> value
  std::map<std::string, CellType> types;                       // data.* path -> JSON type
  // How long a finished extract and its report stay in done/ or failed/ (ISO 8601 duration,
  // `keep_extracts`): the extracts hold field values in clear.
  std::string keep_extracts = "P30D";
  agreements::IsoDuration keep_extracts_duration{0, 0, 0, 30, 0, 0, 0};
};

// Errors: invalid_config with path "line:col": unknown keys, a csv mapping without `id`, an
// envelope field neither mapped nor constant, a path that is not an envelope field or a
// data.* path, a path given twice, csv-only keys with format jsonl.
Result<FiledropInboundSettings> parse_filedrop_inbound_settings(const YAML::Node& settings,
                                                                const std::string& base_dir);

Result<std::unique_ptr<InboundAdapter>> make_filedrop_inbound(const AdapterContext& context);

// Registers type "filedrop" both outbound and inbound.
Status register_filedrop(Registry& registry);

}  // namespace accord::adapters
