#include "accord/agreements/validator.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace accord::agreements {
namespace {

class Checker {
 public:
  Checker(const AgencyDirectory& dir, const envelope::Vocabulary& vocab, Instant now,
          const ValidatorOptions& options, std::vector<Diagnostic>& out)
      : dir_(dir), vocab_(vocab), now_(now), options_(options), out_(out) {}

  void check(const Agreement& a);
  void check_versions(const std::vector<Agreement>& all);
  void agreements_contradict(const std::vector<Agreement>& all);

 private:
  void add(const Agreement& a, Pos pos, std::string code, std::string message, std::string hint,
           Severity severity = Severity::error) {
    out_.push_back(
        Diagnostic{severity, a.file, pos, std::move(code), std::move(message), std::move(hint)});
  }
  void agency(const Agreement& a, const std::string& id, Pos pos, std::string_view where) {
    if (dir_.contains(id)) return;
    add(a, pos, "unknown_agency", "unknown agency `" + id + "` in " + std::string(where),
        "use an id from the agency directory (config/agencies.yaml) or add the agency there");
  }
  void flows_contradict(const Agreement& a);
  void drop_leaf_only(const Agreement& a, const Flow& f);

  const AgencyDirectory& dir_;
  const envelope::Vocabulary& vocab_;
  Instant now_;
  const ValidatorOptions& options_;
  std::vector<Diagnostic>& out_;
};

void Checker::check(const Agreement& a) {
  agency(a, a.provider, a.provider_pos, "provider");
  for (std::size_t i = 0; i < a.recipients.size(); ++i) {
    const Pos p = i < a.recipient_pos.size() ? a.recipient_pos[i] : a.provider_pos;
    agency(a, a.recipients[i], p, "recipients");
    if (a.recipients[i] == a.provider) {
      add(a, p, "recipient_is_provider",
          "`" + a.provider + "` is both the provider and a recipient",
          "remove it from recipients: an agency does not need an agreement with itself");
    }
  }
  for (const Party& p : a.parties) agency(a, p.agency, p.pos, "parties");
  for (const Retention& r : a.retention) agency(a, r.agency, r.pos, "retention");
  for (const Signatory& s : a.signatories) agency(a, s.agency, s.pos, "signatories");

  auto party_of = [&](const std::string& id) -> const Party* {
    for (const Party& p : a.parties) {
      if (p.agency == id) return &p;
    }
    return nullptr;
  };
  std::vector<std::string> involved = a.recipients;
  involved.insert(involved.begin(), a.provider);
  for (std::size_t i = 0; i < involved.size(); ++i) {
    const std::string& id = involved[i];
    // Point at the recipient entry itself, or at the provider.
    const Pos at =
        i > 0 && i - 1 < a.recipient_pos.size() ? a.recipient_pos[i - 1] : a.provider_pos;
    if (!party_of(id)) {
      add(a, at, "party_missing", "`" + id + "` takes part but is not in `parties`",
          "add `- {agency: " + id + ", role: controller}` (or joint_controller / processor)");
    }
    const bool retained = std::any_of(a.retention.begin(), a.retention.end(),
                                      [&](const Retention& r) { return r.agency == id; });
    if (!retained && id != a.provider) {
      add(a, at, "retention_missing", "no retention rule for recipient `" + id + "`",
          "add a `retention` entry with agency " + id + ", period, trigger and disposal");
    }
  }

  // DPA 2018 Part 3 alone covers competent authorities only.
  if (!a.lawful_basis.dpa_part3.empty() && a.lawful_basis.article6.empty()) {
    for (const std::string& id : involved) {
      const Agency* ag = dir_.find(id);
      if (ag && !ag->competent_authority) {
        add(a, a.lawful_basis.pos, "part3_without_competent_authority",
            "DPA 2018 Part 3 is the only basis, but `" + id + "` is not a competent authority",
            "add a UK GDPR `article6` basis for this sharing, or mark the agency "
            "competent_authority in config/agencies.yaml if it is one");
      }
    }
  }

  std::vector<std::string> special = options_.special_category;
  special.insert(special.end(), a.special_category.begin(), a.special_category.end());
  const bool art9 = !a.lawful_basis.article9.empty() || !a.lawful_basis.dpa_part3_sensitive.empty();
  for (const Flow& f : a.flows) {
    for (std::size_t i = 0; i < f.events.size(); ++i) {
      if (!vocab_.contains(f.events[i])) {
        add(a, i < f.event_pos.size() ? f.event_pos[i] : f.pos, "unknown_event_type",
            "unknown event type `" + f.events[i] + "` in flow `" + f.name + "`",
            "use an event type from config/vocabulary.yaml (e.g. referral.created)");
      }
    }
    if (art9) continue;
    for (const FieldRule& r : f.fields) {
      if (r.action == Action::drop) continue;
      for (const std::string& s : special) {
        // A special-category path covers everything below it too.
        const bool exact = s.empty() || s.back() != '*';
        if (!patterns_overlap(r.pattern, s) && !(exact && patterns_overlap(r.pattern, s + ".*")))
          continue;
        add(a, r.pos, "special_category_without_article9",
            "`" + r.pattern + "` (" + std::string(to_string(r.action)) +
                ") carries special-category data (" + s +
                ") but the agreement has no Art 9 "
                "condition",
            "add `lawful_basis.article9` (or `dpa_part3_sensitive` for Part 3 processing), or "
            "set the field to drop");
        break;
      }
    }
  }
  for (const Flow& f : a.flows) drop_leaf_only(a, f);
  flows_contradict(a);

  if (a.status == Status::active && a.valid_until <= now_) {
    // A warning, never an error: an agreement reaching its end date must not stop the
    // gateway from starting or reloading. It no longer grants (decide refuses it with
    // agreement_expired, so senders are told).
    add(a, a.valid_until_pos, "expired",
        a.label() + " is active but its validity ended " + format_date(a.valid_until) +
            "; it no longer grants",
        "set `status: expired`, or publish a new version with a later valid_until",
        Severity::warning);
  }
  if (a.status == Status::active && a.review_by <= now_) {
    add(a, a.review_by_pos, "review_overdue",
        a.label() + " was due for review by " + format_date(a.review_by),
        "review it and set a new review_by", Severity::warning);
  }
}

// Two flows of one agreement that apply to the same event, recipient and conditions must not
// give one field pattern two different actions: which one wins would depend on flow order.
void Checker::flows_contradict(const Agreement& a) {
  auto serves = [&](const Flow& f, const std::string& r) {
    return f.to.empty() || std::find(f.to.begin(), f.to.end(), r) != f.to.end();
  };
  for (std::size_t i = 0; i < a.flows.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      const Flow& x = a.flows[i];
      const Flow& y = a.flows[j];
      if (x.when != y.when || x.consent_based != y.consent_based) continue;
      const bool shared_event = std::any_of(x.events.begin(), x.events.end(), [&](auto& e) {
        return std::find(y.events.begin(), y.events.end(), e) != y.events.end();
      });
      const bool shared_recipient =
          std::any_of(a.recipients.begin(), a.recipients.end(),
                      [&](const std::string& r) { return serves(x, r) && serves(y, r); });
      if (!shared_event || !shared_recipient) continue;
      for (const FieldRule& rx : x.fields) {
        for (const FieldRule& ry : y.fields) {
          if (rx.pattern != ry.pattern || rx.describe() == ry.describe()) continue;
          add(a, rx.pos, "contradictory_field_action",
              "flows `" + y.name + "` and `" + x.name +
                  "` cover the same event, recipient and "
                  "conditions but give `" +
                  rx.pattern + "` different actions (" + ry.describe() + " vs " + rx.describe() +
                  ")",
              "merge the flows, or give them different events, recipients or conditions");
        }
      }
    }
  }
}

// `data.victim: drop` names a leaf called victim, not what lies below it: next to
// `data.*: share` the whole victim subtree is still shared. Warn when an exact drop rule's
// subtree is granted by a wildcard that is not a drop (and no `<path>.*` rule of its own).
void Checker::drop_leaf_only(const Agreement& a, const Flow& f) {
  for (const FieldRule& r : f.fields) {
    if (r.wildcard || r.action != Action::drop) continue;
    const FieldRule* below = nullptr;  // the rule that decides r.prefix + ".x"
    for (const FieldRule& w : f.fields) {
      if (!w.wildcard) continue;
      const bool covers = w.prefix == r.prefix || path_matches(r.prefix, w.prefix, true);
      if (covers && (!below || w.prefix.size() > below->prefix.size())) below = &w;
    }
    if (!below || below->action == Action::drop) continue;
    add(a, r.pos, "drop_leaf_only",
        "`" + r.pattern + ": drop` drops only a leaf of that name; the fields below it are " +
            below->describe() + " by `" + below->pattern + "` in flow `" + f.name + "`",
        "to drop everything below it write `" + r.pattern + ".*: drop` (keep `" + r.pattern +
            ": drop` for a leaf of that name)",
        Severity::warning);
  }
}

// Two agreements in force at the same time for one route (provider, recipient, event) must not
// give one field pattern different actions: the first granting agreement by id would decide,
// so renaming an agreement would change what a recipient receives. Checked whatever the flows'
// conditions, since the validator cannot prove two conditions exclusive; within one agreement
// flow order is explicit and only identical conditions are a contradiction (flows_contradict).
void Checker::agreements_contradict(const std::vector<Agreement>& all) {
  std::map<std::string, std::vector<std::pair<std::size_t, std::size_t>>> by_route;
  for (std::size_t ai = 0; ai < all.size(); ++ai) {
    const Agreement& a = all[ai];
    if (a.status != Status::active || a.mode != Mode::enforce || a.valid_until <= now_) continue;
    for (std::size_t fi = 0; fi < a.flows.size(); ++fi) {
      const Flow& f = a.flows[fi];
      for (const std::string& r : f.to.empty() ? a.recipients : f.to) {
        for (const std::string& e : f.events) {
          by_route[a.provider + '\x1f' + r + '\x1f' + e].emplace_back(ai, fi);
        }
      }
    }
  }
  std::set<std::tuple<std::size_t, std::size_t, std::string>> reported;
  for (const auto& [route, flows] : by_route) {
    for (std::size_t i = 0; i < flows.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        const Agreement& x = all[flows[i].first];
        const Agreement& y = all[flows[j].first];
        if (x.id == y.id) continue;  // versions of one id: overlapping_versions
        if (!(x.valid_from < y.valid_until && y.valid_from < x.valid_until)) continue;
        // Report on the agreement that loses on id order.
        const bool x_later = x.id > y.id;
        const Agreement& later = x_later ? x : y;
        const Agreement& earlier = x_later ? y : x;
        const Flow& lf = later.flows[x_later ? flows[i].second : flows[j].second];
        const Flow& ef = earlier.flows[x_later ? flows[j].second : flows[i].second];
        for (const FieldRule& rl : lf.fields) {
          for (const FieldRule& re : ef.fields) {
            if (rl.pattern != re.pattern || rl.describe() == re.describe()) continue;
            if (!reported
                     .emplace(flows[x_later ? i : j].first, flows[x_later ? j : i].first,
                              rl.pattern)
                     .second) {
              continue;
            }
            std::string where = route;
            std::replace(where.begin(), where.end(), '\x1f', ' ');
            add(later, rl.pos, "contradictory_field_action",
                "`" + rl.pattern + "` is " + rl.describe() + " in " + later.label() + " flow `" +
                    lf.name + "` but " + re.describe() + " in " + earlier.label() + " flow `" +
                    ef.name + "` (" + earlier.file + "); both are in force for " + where +
                    ", so agreement id order would decide",
                "give the field one action in both agreements, or merge the flows into one "
                "agreement where flow order decides");
          }
        }
      }
    }
  }
}

void Checker::check_versions(const std::vector<Agreement>& all) {
  std::map<std::string, std::vector<const Agreement*>> by_id;
  for (const Agreement& a : all) by_id[a.id].push_back(&a);
  for (auto& [id, versions] : by_id) {
    for (std::size_t i = 0; i < versions.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        const Agreement& x = *versions[i];
        const Agreement& y = *versions[j];
        if (x.version == y.version) {
          add(x, x.version_pos, "duplicate_version",
              x.label() + " is defined twice (also in " + y.file + ")",
              "raise the version number of the newer file");
          continue;
        }
        const bool both_enforced = x.status == Status::active && y.status == Status::active &&
                                   x.mode == Mode::enforce && y.mode == Mode::enforce;
        if (both_enforced && x.valid_from < y.valid_until && y.valid_from < x.valid_until) {
          const Agreement& later = x.version > y.version ? x : y;
          const Agreement& earlier = x.version > y.version ? y : x;
          add(later, later.valid_from_pos, "overlapping_versions",
              later.label() + " and " + earlier.label() + " are both active from " +
                  format_date(std::max(x.valid_from, y.valid_from)) + " to " +
                  format_date(std::min(x.valid_until, y.valid_until)),
              "end " + earlier.label() + " (valid_until: " + format_date(later.valid_from) +
                  ") or set it to status expired / suspended");
        }
      }
    }
  }
}

}  // namespace

std::vector<Diagnostic> validate(const std::vector<Agreement>& agreements,
                                 const AgencyDirectory& directory,
                                 const envelope::Vocabulary& vocabulary, Instant now,
                                 const ValidatorOptions& options) {
  std::vector<Diagnostic> out;
  Checker checker(directory, vocabulary, now, options, out);
  for (const Agreement& a : agreements) checker.check(a);
  checker.check_versions(agreements);
  checker.agreements_contradict(agreements);
  std::stable_sort(out.begin(), out.end(), [](const Diagnostic& x, const Diagnostic& y) {
    return std::tie(x.file, x.pos.line, x.pos.column) < std::tie(y.file, y.pos.line, y.pos.column);
  });
  return out;
}

std::vector<Diagnostic> notices(const std::vector<Agreement>& agreements, Instant now,
                                std::chrono::seconds notice) {
  std::vector<Diagnostic> out;
  auto days = [&](Instant at) {
    const auto left = std::chrono::ceil<std::chrono::days>(at - now).count();
    return std::to_string(left) + (left == 1 ? " day" : " days");
  };
  for (const Agreement& a : agreements) {
    if (a.status != Status::active) continue;
    if (now < a.valid_until && a.valid_until - now <= notice) {
      out.push_back(Diagnostic{Severity::warning, a.file, a.valid_until_pos, "expiry_due",
                               a.label() + " stops granting at " + format_instant(a.valid_until) +
                                   " (in " + days(a.valid_until) + ")",
                               "publish a new version with a later valid_until, or plan for "
                               "the sharing to end"});
    }
    if (now < a.review_by && a.review_by - now <= notice) {
      out.push_back(Diagnostic{Severity::warning, a.file, a.review_by_pos, "review_due",
                               a.label() + " is due for review by " + format_date(a.review_by) +
                                   " (in " + days(a.review_by) + ")",
                               "review it and set a new review_by"});
    }
  }
  return out;
}

}  // namespace accord::agreements
