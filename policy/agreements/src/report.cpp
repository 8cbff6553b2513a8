#include "accord/agreements/report.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "accord/agreements/transform.hpp"

namespace accord::agreements {
namespace {

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? std::string(sep) : "") + items[i];
  return out;
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

void explain_decision(std::string& out, const envelope::Envelope& e, std::string_view to,
                      const Decision& d, std::string_view indent) {
  out += std::string(indent) + "decision: ";
  out += d.allowed ? "ALLOW by " + d.agreement_id + " v" + std::to_string(d.agreement_version) +
                         " flow `" + d.flow + "`\n"
                   : std::string("DENY\n");
  for (const std::string& r : d.reasons) out += std::string(indent) + "  - " + r + "\n";
  if (d.requires_encryption) {
    out += std::string(indent) +
           "requires encryption: yes (the gateway encrypts these fields to the recipient's "
           "registered key; with no key it refuses this recipient, no_recipient_key, and tries "
           "no later agreement)\n";
  }
  if (!d.allowed) return;
  std::size_t width = 0;
  for (const auto& f : d.fields) width = std::max(width, f.path.size() + 5);
  out += std::string(indent) + "fields:\n";
  for (std::size_t i = 0; i < d.fields.size() && i < e.data.size(); ++i) {
    const FieldDecision& fd = d.fields[i];
    std::string line = std::string(indent) + "  " + pad("data." + fd.path, width) + "  ";
    if (!fd.rule) {
      line += "drop          (not named by the flow: dropped by default)";
    } else {
      line += pad(fd.rule->describe(), 12) + "  (rule " + fd.rule->pattern + ")";
      if (fd.action == Action::pseudonymise) {
        line += " -> <keyed hash, stable for " + std::string(to) + ">";
      } else if (fd.action == Action::encrypt) {
        line += " -> <encrypted for " + std::string(to) + ">";
      } else if (fd.action != Action::drop) {
        const auto v = apply_action(e.data[i], *fd.rule, e.occurred_at, {});
        line += " -> " + (v.ok() ? v.value() : "<withheld: " + v.error().message + ">");
      }
    }
    out += line + "\n";
  }
}

// Exposure of one route (provider, recipient, event): per field pattern the actions granted,
// and the condition sets of the flows granting it.
struct Exposure {
  std::map<std::string, std::set<std::string>> fields;
  std::set<std::string> conditions;
};
using Key = std::tuple<std::string, std::string, std::string>;  // recipient, provider, event

std::map<Key, Exposure> exposure_of(const std::vector<Agreement>& agreements, Instant at) {
  std::map<Key, Exposure> out;
  for (const Agreement& a : agreements) {
    if (a.mode != Mode::enforce || !a.in_force(at)) continue;
    for (const Flow& f : a.flows) {
      std::vector<std::string> conds;
      for (const Condition& c : f.when) conds.push_back(c.describe());
      if (f.consent_based) conds.push_back("consent not withdrawn (consent_based)");
      const std::string cond = conds.empty() ? "always" : join(conds, " and ");
      for (const std::string& event : f.events) {
        for (const std::string& r : f.to.empty() ? a.recipients : f.to) {
          Exposure& x = out[{r, a.provider, event}];
          x.conditions.insert(cond);
          for (const FieldRule& rule : f.fields) x.fields[rule.pattern].insert(rule.describe());
        }
      }
    }
  }
  return out;
}

std::string joined(const std::set<std::string>& s) {
  return join(std::vector<std::string>(s.begin(), s.end()), " | ");
}

// "12 days" until `at` (rounded up), from `now`.
std::string days_until(Instant at, Instant now) {
  const auto left = std::chrono::ceil<std::chrono::days>(at - now).count();
  return std::to_string(left) + (left == 1 ? " day" : " days");
}

// The notice column: an active agreement whose validity ends within `notice`, or has ended.
std::string expiry_notice(const Agreement& a, Instant now, std::chrono::seconds notice) {
  if (a.status != Status::active) return {};
  if (now >= a.valid_until) return "  (ENDED " + format_date(a.valid_until) + ": no longer grants)";
  if (a.valid_until - now <= notice) return "  (ends in " + days_until(a.valid_until, now) + ")";
  return {};
}

}  // namespace

std::string format_list(const std::vector<Agreement>& agreements, Instant now,
                        std::chrono::seconds notice) {
  return format_list(agreements, now, notice, {});
}

std::string format_list(const std::vector<Agreement>& agreements, Instant now,
                        std::chrono::seconds notice, const std::vector<std::string>& notes) {
  std::vector<std::size_t> sorted;
  for (std::size_t i = 0; i < agreements.size(); ++i) sorted.push_back(i);
  std::stable_sort(sorted.begin(), sorted.end(), [&](std::size_t x, std::size_t y) {
    return std::tie(agreements[x].id, agreements[x].version) <
           std::tie(agreements[y].id, agreements[y].version);
  });
  std::string out;
  for (const std::size_t i : sorted) {
    const Agreement* a = &agreements[i];
    const std::string note = i < notes.size() && !notes[i].empty() ? "  " + notes[i] : "";
    std::string review = "review by " + format_date(a->review_by);
    if (a->review_by <= now) {
      review += " (REVIEW OVERDUE)";
    } else if (a->review_by - now <= notice) {
      review += " (review due in " + days_until(a->review_by, now) + ")";
    }
    std::string state(to_string(a->status));
    if (a->mode == Mode::shadow) state += "/shadow";
    if (a->status == Status::active && !a->in_force(now)) {
      state += now < a->valid_from ? " (not yet in force)" : " (validity ended)";
    }
    out += pad(a->label(), 34) + " " + pad(state, 20) + " " +
           pad(a->provider + " -> " + join(a->recipients, ","), 44) + " " +
           format_date(a->valid_from) + ".." + format_date(a->valid_until) + "  " + review +
           expiry_notice(*a, now, notice) + note + "\n";
  }
  return out;
}

std::string format_explanation(const envelope::Envelope& e, std::string_view from,
                               std::string_view to, const Decision& d) {
  std::string out = std::string(from) + " -> " + std::string(to) + ": " + e.type + " (message " +
                    e.id + ", " + std::to_string(e.data.size()) + " fields)\n";
  explain_decision(out, e, to, d, "");
  for (const Decision& s : d.shadow) {
    out += "shadow (evaluated, not enforced):\n";
    explain_decision(out, e, to, s, "  ");
  }
  return out;
}

std::vector<ExposureChange> exposure_diff(const std::vector<Agreement>& before,
                                          const std::vector<Agreement>& after, Instant at) {
  using Kind = ExposureChange::Kind;
  const auto old_x = exposure_of(before, at);
  const auto new_x = exposure_of(after, at);
  std::vector<ExposureChange> out;
  auto change = [&](Kind k, const Key& key, std::string field, std::string b, std::string a,
                    bool whole_route = false) {
    out.push_back(ExposureChange{k, std::get<1>(key), std::get<0>(key), std::get<2>(key),
                                 std::move(field), std::move(b), std::move(a), whole_route});
  };
  std::set<Key> keys;
  for (const auto& [k, v] : old_x) keys.insert(k);
  for (const auto& [k, v] : new_x) keys.insert(k);
  for (const Key& k : keys) {
    const auto o = old_x.find(k);
    const auto n = new_x.find(k);
    if (o == old_x.end()) {
      change(Kind::gained, k, "", "", "when " + joined(n->second.conditions), true);
      for (const auto& [p, acts] : n->second.fields) {
        if (joined(acts) != "drop") change(Kind::gained, k, p, "", joined(acts), true);
      }
      continue;
    }
    if (n == new_x.end()) {
      change(Kind::lost, k, "", "when " + joined(o->second.conditions), "", true);
      for (const auto& [p, acts] : o->second.fields) {
        if (joined(acts) != "drop") change(Kind::lost, k, p, joined(acts), "", true);
      }
      continue;
    }
    if (o->second.conditions != n->second.conditions) {
      change(Kind::changed, k, "(conditions)", joined(o->second.conditions),
             joined(n->second.conditions));
    }
    std::set<std::string> patterns;
    for (const auto& [p, a] : o->second.fields) patterns.insert(p);
    for (const auto& [p, a] : n->second.fields) patterns.insert(p);
    for (const std::string& p : patterns) {
      const auto ob = o->second.fields.find(p);
      const auto nb = n->second.fields.find(p);
      const std::string b = ob == o->second.fields.end() ? "" : joined(ob->second);
      const std::string a = nb == n->second.fields.end() ? "" : joined(nb->second);
      if (a == b) continue;
      // A field reveals data unless dropped; a removed rule falls back to a wildcard or the
      // default drop, shown as a change.
      const bool was = !b.empty() && b != "drop";
      const bool is = !a.empty() && a != "drop";
      const Kind kind = !was && is && !b.empty()   ? Kind::gained
                        : b.empty() && is          ? Kind::gained
                        : was && !is && !a.empty() ? Kind::lost
                        : a.empty() && was         ? Kind::lost
                        : a.empty() && b == "drop" ? Kind::changed
                        : !was && !is              ? Kind::lost
                                                   : Kind::changed;
      change(kind, k, p, b, a);
    }
  }
  return out;
}

std::string format_exposure_diff(const std::vector<ExposureChange>& changes) {
  using Kind = ExposureChange::Kind;
  std::string out;
  std::string recipient;
  std::size_t gained = 0, lost = 0, changed = 0;
  for (const ExposureChange& c : changes) {
    if (c.recipient != recipient) {
      recipient = c.recipient;
      out += recipient + ":\n";
    }
    const char sign = c.kind == Kind::gained ? '+' : c.kind == Kind::lost ? '-' : '~';
    (c.kind == Kind::gained ? gained : c.kind == Kind::lost ? lost : changed)++;
    std::string line =
        std::string("  ") + sign + " " + c.provider + " -> " + c.recipient + "  " + c.event;
    if (c.field.empty()) {
      line += c.kind == Kind::gained ? "  now received, " + c.after
                                     : "  no longer received (was " + c.before + ")";
    } else if (c.whole_route || c.before.empty()) {
      line += "  " + c.field + ": " + (c.after.empty() ? c.before : c.after);
    } else if (c.after.empty()) {
      line += "  " + c.field + ": " + c.before + " (rule removed)";
    } else {
      line += "  " + c.field + ": " + c.before + " -> " + c.after;
    }
    out += line + "\n";
  }
  out += std::to_string(changes.size()) + " exposure changes: " + std::to_string(gained) +
         " gained, " + std::to_string(lost) + " lost, " + std::to_string(changed) + " changed\n";
  return out;
}

}  // namespace accord::agreements
