// Realistic case updates for the load generator: the shape of
// tests/data/integration/suspect_arrested.json (victim, event details, needs, officer,
// offence) with the event type, case URN, subject reference, dates and free text varied per
// message, and a free-text summary padded so that each body is exactly `target_bytes` long.
//
// Ids are "<run_id>-<seq>", so a run prefix makes every id of a run unique and a new run
// never collides with an earlier one in the gateway's dedup table (which would answer 200
// duplicate instead of storing). The default event types are the ones police.met may send
// under the sample agreements without a consent condition or field encryption (the
// case-update flows of met-wcu-victim-updates, met-lvws-referral and met-cps-case-file).
//
// Workload::referral makes referral.created messages instead (police.met → provider.lvws
// under met-lvws-referral, consent recorded, an offence that no other referral flow takes):
// each copy carries the five safe-contact fields that agreement encrypts (phone, email,
// safe_times, do_not_leave_messages, do_not_contact_by), so every copy pays field encryption.
//
// Thread-safe after create(): make() is const and allocates only its result.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "accord/core/result.hpp"

namespace accord::bench {

enum class Workload {
  case_updates,  // the default event types, in round robin; no field encrypted
  referral,      // referral.created with encrypted contact fields (event_types must be empty)
};

struct GeneratorOptions {
  std::string run_id;                    // [A-Za-z0-9._:-]{1,64}
  std::string sender = "police.met";     // case.owner
  std::vector<std::string> event_types;  // empty = default_event_types()
  std::size_t target_bytes = 1024;       // bodies are padded up to this; 0 = no padding
  Workload workload = Workload::case_updates;
};

const std::vector<std::string>& default_event_types();

class EnvelopeGenerator {
 public:
  // invalid_argument: run_id empty, too long or outside the id charset; an event type not
  // among the ones this generator has a data shape for, or event types given with the
  // referral workload (path "event_types").
  static Result<EnvelopeGenerator> create(GeneratorOptions options);

  // The envelope JSON for sequence number `seq`: deterministic, event types in round robin,
  // exactly target_bytes long unless the unpadded body is already longer.
  std::string make(std::uint64_t seq) const;

  std::string id_for(std::uint64_t seq) const;
  const GeneratorOptions& options() const { return options_; }

 private:
  explicit EnvelopeGenerator(GeneratorOptions options) : options_(std::move(options)) {}
  GeneratorOptions options_;
};

}  // namespace accord::bench
