#include <algorithm>
#include <cstdint>
#include <set>

#include "accord/adapters/filedrop.hpp"
#include "accord/yaml/fields.hpp"

namespace accord::adapters {
namespace {

// Envelope fields a CSV row must supply (docs/envelope.md §2); `type` comes from
// event_type_column or event_type, `data` is built from the data.* paths.
constexpr const char* kRequired[] = {"id",          "case.urn",    "case.owner",    "subject.role",
                                     "subject.ref", "occurred_at", "classification"};

bool data_key(std::string_view key) {
  if (key.empty() || key.size() > 64) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

bool valid_path(const std::string& path) {
  if (std::find(std::begin(kRequired), std::end(kRequired), path) != std::end(kRequired)) {
    return true;
  }
  if (!path.starts_with("data.")) return false;
  std::string_view rest(path);
  rest.remove_prefix(5);
  while (true) {
    const auto dot = rest.find('.');
    if (!data_key(rest.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    rest.remove_prefix(dot + 1);
  }
}

// Reads a mapping of envelope path -> string into `out`, checking each path.
Status path_map(const YAML::Node& node, const std::string& where,
                std::vector<std::pair<std::string, std::string>>& out) {
  if (!node.IsMap()) return yaml::error_at(node, where + " must be a mapping");
  for (const auto& entry : node) {
    std::string path, value;
    if (auto st = yaml::read_scalar(entry.first, where + " key", path); !st.ok()) return st;
    if (auto st = yaml::read_scalar(entry.second, where + "." + path, value); !st.ok()) return st;
    if (!valid_path(path)) {
      return yaml::error_at(entry.first,
                            where + ": '" + path +
                                "' is not an envelope field (id, case.urn, case.owner, "
                                "subject.role, subject.ref, occurred_at, "
                                "classification) or a data.* path");
    }
    out.emplace_back(std::move(path), std::move(value));
  }
  return Status::Ok();
}

}  // namespace

Result<FiledropInboundSettings> parse_filedrop_inbound_settings(const YAML::Node& settings,
                                                                const std::string& base_dir) {
  FiledropInboundSettings out;
  bool have_format = false;
  const YAML::Node* csv_only = nullptr;  // the first csv-only key, for the jsonl error
  YAML::Node mapping_node, csv_key_node;
  auto csv_key = [&](const YAML::Node& n) {
    if (csv_only == nullptr) {
      csv_key_node = n;
      csv_only = &csv_key_node;
    }
  };
  yaml::Handlers handlers = {
      {"type",
       [&](const YAML::Node& n) {
         std::string type;
         if (auto st = yaml::read_scalar(n, "type", type); !st.ok()) return st;
         if (type != "filedrop") return Status(yaml::error_at(n, "type must be filedrop"));
         return Status::Ok();
       }},
      {"directory",
       [&](const YAML::Node& n) {
         if (auto st = yaml::read_scalar(n, "directory", out.directory); !st.ok()) return st;
         if (out.directory.empty()) return Status(yaml::error_at(n, "directory is empty"));
         out.directory = yaml::resolve_path(base_dir, out.directory);
         return Status::Ok();
       }},
      {"poll_ms", [&](const YAML::Node& n) { return yaml::read_millis(n, "poll_ms", out.poll); }},
      {"keep_extracts",
       [&](const YAML::Node& n) {
         if (auto st = yaml::read_scalar(n, "keep_extracts", out.keep_extracts); !st.ok()) {
           return st;
         }
         const auto parsed = agreements::parse_duration(out.keep_extracts);
         if (!parsed.duration) {
           return Status(yaml::error_at(
               n, "keep_extracts: " + parsed.error->message + " (write e.g. P30D or P1W)"));
         }
         out.keep_extracts_duration = *parsed.duration;
         return Status::Ok();
       }},
      {"max_in_flight",
       [&](const YAML::Node& n) {
         return yaml::read_count(n, "max_in_flight", out.max_in_flight);
       }},
      {"format",
       [&](const YAML::Node& n) {
         have_format = true;
         std::string format;
         if (auto st = yaml::read_scalar(n, "format", format); !st.ok()) return st;
         if (format == "csv") {
           out.format = FiledropInboundSettings::Format::csv;
         } else if (format == "jsonl") {
           out.format = FiledropInboundSettings::Format::jsonl;
         } else {
           return Status(yaml::error_at(n, "format must be csv or jsonl"));
         }
         return Status::Ok();
       }},
      {"event_type_column",
       [&](const YAML::Node& n) {
         csv_key(n);
         if (auto st = yaml::read_scalar(n, "event_type_column", out.event_type_column); !st.ok()) {
           return st;
         }
         if (out.event_type_column.empty()) {
           return Status(yaml::error_at(n, "event_type_column is empty"));
         }
         return Status::Ok();
       }},
      {"event_type",
       [&](const YAML::Node& n) {
         csv_key(n);
         if (auto st = yaml::read_scalar(n, "event_type", out.event_type); !st.ok()) return st;
         if (out.event_type.empty()) return Status(yaml::error_at(n, "event_type is empty"));
         return Status::Ok();
       }},
      {"mapping",
       [&](const YAML::Node& n) {
         csv_key(n);
         mapping_node = n;
         if (auto st = path_map(n, "mapping", out.mapping); !st.ok()) return st;
         for (const auto& [path, column] : out.mapping) {
           if (column.empty())
             return Status(yaml::error_at(n, "mapping." + path + " names no column"));
         }
         return Status::Ok();
       }},
      {"constants",
       [&](const YAML::Node& n) {
         csv_key(n);
         return path_map(n, "constants", out.constants);
       }},
      {"types",
       [&](const YAML::Node& n) {
         csv_key(n);
         if (!n.IsMap()) return Status(yaml::error_at(n, "types must be a mapping"));
         for (const auto& entry : n) {
           std::string path, type;
           if (auto st = yaml::read_scalar(entry.first, "types key", path); !st.ok()) return st;
           if (auto st = yaml::read_scalar(entry.second, "types." + path, type); !st.ok()) {
             return st;
           }
           if (!path.starts_with("data.") || !valid_path(path)) {
             return Status(
                 yaml::error_at(entry.first, "types: '" + path + "' is not a data.* path"));
           }
           if (type == "string") {
             out.types[path] = CellType::string;
           } else if (type == "integer") {
             out.types[path] = CellType::integer;
           } else if (type == "boolean") {
             out.types[path] = CellType::boolean;
           } else {
             return Status(yaml::error_at(entry.second,
                                          "types." + path + " must be integer, boolean or string"));
           }
         }
         return Status::Ok();
       }},
  };
  if (auto st = yaml::read_mapping(settings, "filedrop inbound adapter", handlers); !st.ok()) {
    return st.error();
  }
  if (out.directory.empty()) {
    return yaml::error_at(settings, "filedrop inbound adapter needs directory");
  }
  if (!have_format) return yaml::error_at(settings, "filedrop inbound adapter needs format");
  if (out.format == FiledropInboundSettings::Format::jsonl) {
    if (csv_only != nullptr) {
      return yaml::error_at(*csv_only,
                            "event_type, event_type_column, mapping, constants and types "
                            "apply only to format csv");
    }
    return out;
  }

  // csv: every envelope field supplied exactly once, the data paths a consistent tree.
  if (out.event_type_column.empty() == out.event_type.empty()) {
    return yaml::error_at(settings,
                          "format csv needs exactly one of event_type_column or event_type");
  }
  std::set<std::string> paths;
  for (const auto* list : {&out.mapping, &out.constants}) {
    for (const auto& [path, value] : *list) {
      if (!paths.insert(path).second) {
        return yaml::error_at(settings, "'" + path + "' is given twice (mapping and constants)");
      }
    }
  }
  if (std::none_of(out.mapping.begin(), out.mapping.end(),
                   [](const auto& entry) { return entry.first == "id"; })) {
    return yaml::error_at(mapping_node ? mapping_node : settings,
                          "mapping must name the column for id (the row's idempotency key)");
  }
  for (const char* field : kRequired) {
    if (!paths.contains(field)) {
      return yaml::error_at(settings, std::string("envelope field ") + field +
                                          " is neither in mapping nor in constants");
    }
  }
  // "data.a" and "data.a.b" cannot both be leaves.
  for (const auto& path : paths) {
    const auto below = paths.lower_bound(path + ".");
    if (below != paths.end() && below->starts_with(path + ".")) {
      return yaml::error_at(settings, "'" + path + "' and '" + *below + "' overlap");
    }
  }
  for (const auto& [path, type] : out.types) {
    if (!paths.contains(path)) {
      return yaml::error_at(settings, "types names '" + path + "', which is not mapped");
    }
  }
  return out;
}

}  // namespace accord::adapters
