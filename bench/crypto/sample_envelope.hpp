// The sample referral the crypto kernels encrypt, sign and hash: one envelope for every
// kernel of bench_crypto and bench_merkle, so their figures are of the same bytes.
#pragma once

namespace accord::bench {

inline constexpr const char* kSampleEnvelope = R"({"id":"msg-bench-0001","type":"referral.created",
  "case":{"urn":"01AB1234521","owner":"police.met"},"subject":{"role":"victim","ref":"V-7F3A"},
  "occurred_at":"2026-11-20T09:30:00Z","classification":"OFFICIAL-SENSITIVE",
  "data":{"victim":{"contact":{"phone":"07700 900123","email":"jo.bloggs@example.org",
  "address":"Flat 3, 12 Example Road, London SE1 7XX","do_not_leave_messages":true,
  "safe_times":["Mon-Fri 10:00-12:00","Sat 09:00-11:00"]},"dob":"1987-03-14",
  "postcode":"SE1 7XX","language":"English","interpreter":false},
  "needs":{"health":"none declared","disability":"none declared","mental_health":"anxiety",
  "safeguarding":"children in household","support_requested":["emotional","practical"]},
  "offence":{"category":"burglary","crime_reference":"CR-0012345-26","location":"residential",
  "summary":"Entry forced via rear door at night while the victim was present; items taken.",
  "reported_at":"2026-11-20T08:15:00Z"},"consent":{"referral":"explicit","contact":"phone"},
  "enhanced_rights":{"eligible":true,"reason":"vulnerable"},
  "officer":{"collar":"PC1234","station":"Southwark","phone":"020 7946 0000"}}})";

}  // namespace accord::bench
