#include "accord/agreements/agreement.hpp"

namespace accord::agreements {

std::string_view to_string(Status s) {
  switch (s) {
    case Status::draft:
      return "draft";
    case Status::active:
      return "active";
    case Status::suspended:
      return "suspended";
    case Status::expired:
      return "expired";
  }
  return "?";
}

std::string_view to_string(Mode m) {
  return m == Mode::enforce ? "enforce" : "shadow";
}

std::string_view to_string(PartyRole r) {
  switch (r) {
    case PartyRole::controller:
      return "controller";
    case PartyRole::joint_controller:
      return "joint_controller";
    case PartyRole::processor:
      return "processor";
  }
  return "?";
}

std::string_view to_string(OnwardSharing o) {
  switch (o) {
    case OnwardSharing::prohibited:
      return "prohibited";
    case OnwardSharing::with_consent:
      return "with_consent";
    case OnwardSharing::permitted:
      return "permitted";
  }
  return "?";
}

std::string_view to_string(Classification c) {
  switch (c) {
    case Classification::official:
      return "OFFICIAL";
    case Classification::official_sensitive:
      return "OFFICIAL-SENSITIVE";
    case Classification::secret:
      return "SECRET";
    case Classification::top_secret:
      return "TOP SECRET";
  }
  return "?";
}

std::string_view to_string(Action a) {
  switch (a) {
    case Action::share:
      return "share";
    case Action::drop:
      return "drop";
    case Action::mask:
      return "mask";
    case Action::generalise:
      return "generalise";
    case Action::pseudonymise:
      return "pseudonymise";
    case Action::encrypt:
      return "encrypt";
  }
  return "?";
}

std::string_view to_string(Generalisation g) {
  switch (g) {
    case Generalisation::year:
      return "year";
    case Generalisation::month:
      return "month";
    case Generalisation::age_band:
      return "age_band";
    case Generalisation::postcode_district:
      return "postcode_district";
  }
  return "?";
}

std::string_view to_string(Op op) {
  switch (op) {
    case Op::equals:
      return "equals";
    case Op::not_equals:
      return "not_equals";
    case Op::in:
      return "in";
    case Op::present:
      return "present";
    case Op::at_most:
      return "at_most";
  }
  return "?";
}

std::optional<Classification> parse_classification(std::string_view marking) {
  // The marking ends at the first handling caveat ("[PERSONAL]") or trailing space.
  const auto end = marking.find('[');
  std::string_view base = marking.substr(0, end);
  while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
  if (base == "OFFICIAL") return Classification::official;
  if (base == "OFFICIAL-SENSITIVE") return Classification::official_sensitive;
  if (base == "SECRET") return Classification::secret;
  if (base == "TOP SECRET" || base == "TOP-SECRET") return Classification::top_secret;
  return std::nullopt;
}

std::string FieldRule::describe() const {
  std::string out(to_string(action));
  if (action == Action::mask) {
    out += "(keep_last=" + std::to_string(keep_last) + ")";
  } else if (action == Action::generalise) {
    out += "(" + std::string(to_string(to));
    if (to == Generalisation::age_band) {
      out += " ";
      for (std::size_t i = 0; i < bands.size(); ++i) {
        out += (i ? "," : "") + std::to_string(bands[i]);
      }
    }
    out += ")";
  }
  return out;
}

std::string Condition::describe() const {
  std::string out = fact;
  auto list = [&] {
    std::string s = "[";
    for (std::size_t i = 0; i < values.size(); ++i) s += (i ? ", " : "") + values[i];
    return s + "]";
  };
  switch (op) {
    case Op::equals:
      return out + " == " + (values.empty() ? "" : values[0]);
    case Op::not_equals:
      return out + " != " + (values.empty() ? "" : values[0]);
    case Op::in:
      return out + " in " + list();
    case Op::present:
      return out + (values.size() == 1 && values[0] == "true" ? " is present" : " is absent");
    case Op::at_most:
      return out + " <= " + std::string(to_string(at_most));
  }
  return out;
}

std::string Agreement::label() const {
  return id + " v" + std::to_string(version);
}

bool path_matches(std::string_view path, std::string_view prefix, bool wildcard) {
  if (!wildcard) return path == prefix;
  if (prefix.empty()) return !path.empty();
  return path.size() > prefix.size() && path.substr(0, prefix.size()) == prefix &&
         path[prefix.size()] == '.';
}

bool patterns_overlap(std::string_view a, std::string_view b) {
  auto split = [](std::string_view p, bool& wild) {
    wild = p == "*" || (p.size() >= 2 && p.substr(p.size() - 2) == ".*");
    if (!wild) return p;
    return p == "*" ? std::string_view{} : p.substr(0, p.size() - 2);
  };
  bool wa = false, wb = false;
  const std::string_view pa = split(a, wa), pb = split(b, wb);
  if (!wa && !wb) return pa == pb;
  if (wa && path_matches(pb, pa, true)) return true;
  if (wb && path_matches(pa, pb, true)) return true;
  return wa && wb && pa == pb;
}

}  // namespace accord::agreements
