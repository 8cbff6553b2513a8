#include "accord/keys/key_ids.hpp"

#include <algorithm>
#include <iterator>

#include "accord/agreements/agency.hpp"

namespace accord::keys {
namespace {

bool is_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

bool is_valid_agency_id(std::string_view agency) {
  if (agency.empty() || agency.size() > 64) return false;
  for (char c : agency) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  }
  const auto dot = agency.find('.');
  if (dot == std::string_view::npos || dot + 1 == agency.size() || agency.back() == '.' ||
      agency.find("..") != std::string_view::npos) {
    return false;
  }
  const std::string_view kind = agency.substr(0, dot);
  return std::find(std::begin(agreements::AgencyDirectory::kKinds),
                   std::end(agreements::AgencyDirectory::kKinds),
                   kind) != std::end(agreements::AgencyDirectory::kKinds);
}

bool is_valid_kid(std::string_view kid, std::string_view agency) {
  // <agency>:<yyyymmddThhmmssZ>:<4 hex>
  if (kid.size() != agency.size() + 1 + 16 + 1 + 4) return false;
  if (kid.substr(0, agency.size()) != agency || kid[agency.size()] != ':') return false;
  const std::string_view stamp = kid.substr(agency.size() + 1, 16);
  if (!is_digits(stamp.substr(0, 8)) || stamp[8] != 'T' || !is_digits(stamp.substr(9, 6)) ||
      stamp[15] != 'Z') {
    return false;
  }
  if (kid[agency.size() + 17] != ':') return false;
  return is_lower_hex(kid.substr(kid.size() - 4));
}

bool is_created_time(std::string_view t) {
  if (t.size() != 24) return false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    switch (i) {
      case 4:
      case 7:
        if (c != '-') return false;
        break;
      case 10:
        if (c != 'T') return false;
        break;
      case 13:
      case 16:
        if (c != ':') return false;
        break;
      case 19:
        if (c != '.') return false;
        break;
      case 23:
        if (c != 'Z') return false;
        break;
      default:
        if (c < '0' || c > '9') return false;
    }
  }
  return true;
}

std::string make_kid(std::string_view agency, std::string_view created,
                     const std::array<unsigned char, 2>& suffix) {
  // YYYY-MM-DDTHH:MM:SS.mmmZ -> yyyymmddThhmmssZ
  const std::string_view c = created;
  std::string kid(agency);
  kid += ':';
  kid.append(c.substr(0, 4)).append(c.substr(5, 2)).append(c.substr(8, 2));
  kid += 'T';
  kid.append(c.substr(11, 2)).append(c.substr(14, 2)).append(c.substr(17, 2));
  kid += "Z:";
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char b : suffix) {
    kid += kHex[b >> 4];
    kid += kHex[b & 0x0f];
  }
  return kid;
}

std::string key_file_stem(std::string_view kid) {
  // agency:stamp:hex -> agency.stamp-hex (no ':' in file names).
  std::string stem(kid);
  const auto first = stem.find(':');
  const auto last = stem.rfind(':');
  if (first != std::string::npos) stem[first] = '.';
  if (last != std::string::npos && last != first) stem[last] = '-';
  return stem;
}

}  // namespace accord::keys
