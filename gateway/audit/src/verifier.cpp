#include "accord/audit/verifier.hpp"

#include <nlohmann/json.hpp>

namespace accord::audit {
namespace {

constexpr std::string_view kRecordPrefix = "{\"h\":\"";  // then 64 hex, then ","r":
constexpr std::string_view kRecordInfix = "\",\"r\":";
constexpr std::string_view kExportFormat = "accord-audit-export-1";
// A record's seq has at most 18 digits (record_seq); a first_seq beyond that would make the
// verifier's next seq overflow (found by fuzzing).
constexpr std::int64_t kMaxFirstSeq = 999'999'999'999'999'999;

}  // namespace

Result<std::int64_t> record_seq(std::string_view record) {
  constexpr std::string_view kSeq = "{\"seq\":";
  if (record.substr(0, kSeq.size()) != kSeq) {
    return make_error("malformed", "a record starts with {\"seq\":");
  }
  std::int64_t seq = 0;
  std::size_t i = kSeq.size();
  const std::size_t start = i;
  while (i < record.size() && record[i] >= '0' && record[i] <= '9' && i - start < 18) {
    seq = seq * 10 + (record[i] - '0');
    ++i;
  }
  if (i == start || i >= record.size() || record[i] != ',' || record.back() != '}') {
    return make_error("malformed", "a record starts with {\"seq\":<number>, and is one object");
  }
  return seq;
}

Verifier::Verifier(crypto::GatewayPublicKey key, VerifyOptions options, Digest previous,
                   std::int64_t first_seq)
    : key_(std::move(key)), options_(std::move(options)), head_(previous), next_seq_(first_seq) {
  report_.first_seq = first_seq;
  report_.last_seq = first_seq - 1;
  report_.sealed_seq = first_seq - 1;
}

void Verifier::fail(std::string code, std::string message, std::int64_t line) {
  if (failed()) return;
  report_.failure = VerifyFailure{std::move(code), std::move(message), next_seq_, line};
}

void Verifier::step(std::int64_t seq, const Digest& digest, const Digest* stated, std::int64_t line,
                    bool is_stub) {
  if (failed()) return;
  if (seq != next_seq_) {
    report_.failure = VerifyFailure{"seq_gap",
                                    "expected record " + std::to_string(next_seq_) + " but found " +
                                        std::to_string(seq) +
                                        ": records were deleted, inserted or reordered here",
                                    seq, line};
    return;
  }
  head_ = chain_next(head_, digest);
  if (stated && *stated != head_) {
    report_.failure = VerifyFailure{
        "chain_mismatch",
        "record " + std::to_string(seq) +
            " does not hash to the chain value stored with it: it was altered (or the chain "
            "was rewritten from here on)",
        seq, line};
    return;
  }
  ++next_seq_;
  report_.last_seq = seq;
  ++(is_stub ? report_.stubs : report_.records);
  if (options_.anchor && options_.anchor->seq == seq) {
    anchor_seen_ = true;
    if (options_.anchor->head != head_) {
      report_.failure = VerifyFailure{
          "checkpoint_mismatch",
          "the log differs from the anchor checkpoint at record " + std::to_string(seq), seq, line};
    }
  }
}

void Verifier::add_record(std::string_view record, const Digest* stated_chain, std::int64_t line) {
  if (failed()) return;
  auto seq = record_seq(record);
  if (!seq.ok()) {
    fail("malformed", seq.error().message, line);
    return;
  }
  step(seq.value(), record_digest(record), stated_chain, line, false);
}

void Verifier::add_stub(std::int64_t seq, const Digest& digest, const Digest* stated_chain,
                        std::int64_t line) {
  step(seq, digest, stated_chain, line, true);
}

void Verifier::add_checkpoint(const Checkpoint& checkpoint, std::int64_t line) {
  if (failed()) return;
  if (checkpoint.seq > report_.last_seq) {
    // Kept for finish(): a checkpoint beyond the last item means the log was cut short.
    report_.failure = VerifyFailure{"truncated",
                                    "checkpoint " + std::to_string(checkpoint.seq) +
                                        " covers records the log does not have " + "(it ends at " +
                                        std::to_string(report_.last_seq) + ")",
                                    checkpoint.seq, line};
    return;
  }
  if (checkpoint.seq != report_.last_seq) {
    report_.failure = VerifyFailure{"checkpoint_out_of_place",
                                    "checkpoint " + std::to_string(checkpoint.seq) +
                                        " must follow record " + std::to_string(checkpoint.seq),
                                    checkpoint.seq, line};
    return;
  }
  if (auto s = verify_checkpoint(checkpoint, key_); !s.ok()) {
    report_.failure = VerifyFailure{
        s.error().code, "checkpoint " + std::to_string(checkpoint.seq) + ": " + s.error().message,
        checkpoint.seq, line};
    return;
  }
  if (checkpoint.head != head_) {
    report_.failure = VerifyFailure{
        "checkpoint_mismatch",
        "records up to " + std::to_string(checkpoint.seq) +
            " do not match the head signed by checkpoint " + std::to_string(checkpoint.seq) +
            ": a record at or before it was altered, and the stored chain rewritten to hide it",
        checkpoint.seq, line};
    return;
  }
  ++report_.checkpoints;
  report_.sealed_seq = checkpoint.seq;
}

VerifyReport Verifier::finish() {
  if (!failed() && options_.anchor && !anchor_seen_ && options_.anchor->seq > report_.last_seq) {
    report_.failure = VerifyFailure{"truncated",
                                    "the anchor checkpoint covers record " +
                                        std::to_string(options_.anchor->seq) +
                                        " but the log ends at " + std::to_string(report_.last_seq),
                                    options_.anchor->seq, 0};
  }
  if (!failed() && options_.anchor && options_.anchor->seq < report_.first_seq) {
    report_.failure = VerifyFailure{"malformed", "the anchor checkpoint is before this extract",
                                    options_.anchor->seq, 0};
  }
  report_.unsealed_tail = report_.last_seq - report_.sealed_seq;
  if (!failed() && options_.require_sealed && report_.unsealed_tail > 0) {
    report_.failure =
        VerifyFailure{"unsealed_tail",
                      std::to_string(report_.unsealed_tail) + " records after checkpoint " +
                          std::to_string(report_.sealed_seq) + " are covered by no signature",
                      report_.sealed_seq + 1, 0};
  }
  return report_;
}

std::string export_record_line(const Digest& chain, std::string_view record) {
  std::string line;
  line.reserve(record.size() + 80);
  line += kRecordPrefix;
  line += to_hex(chain);
  line += kRecordInfix;
  line += record;
  line += '}';
  return line;
}

std::string export_stub_line(std::int64_t seq, const Digest& digest, const Digest& chain) {
  return "{\"h\":\"" + to_hex(chain) + "\",\"d\":\"" + to_hex(digest) +
         "\",\"seq\":" + std::to_string(seq) + "}";
}

std::string export_checkpoint_line(const Checkpoint& checkpoint) {
  return "{\"checkpoint\":" + encode_checkpoint(checkpoint) + "}";
}

VerifyReport verify_export(std::istream& in, const crypto::GatewayPublicKey& key,
                           const VerifyOptions& options,
                           const std::function<void(std::int64_t)>& progress) {
  std::string line;
  std::int64_t line_no = 0;
  std::optional<Verifier> verifier;
  auto header_failure = [&](const std::string& why) {
    Verifier v(key, options);
    v.fail("malformed", why, line_no);
    return v.finish();
  };
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!verifier) {
      const auto header = nlohmann::json::parse(line, nullptr, false);
      // Members are type-checked before they are read: json::value() throws on a mistyped
      // one ({"format":1}), and an export is untrusted input (found by fuzzing).
      const auto text = [&header](const char* name) {
        const auto it = header.find(name);
        return it != header.end() && it->is_string() ? it->get<std::string>() : std::string();
      };
      if (!header.is_object() || text("format") != kExportFormat) {
        return header_failure(
            "line 1 must be the header {\"format\":\"accord-audit-export-1\",...}");
      }
      const auto seq_member = header.find("first_seq");
      const std::int64_t first = seq_member != header.end() && seq_member->is_number_integer()
                                     ? seq_member->get<std::int64_t>()
                                     : std::int64_t{-1};
      auto prev = digest_from_hex(text("prev"));
      if (first < 1 || first > kMaxFirstSeq || !prev.ok()) {
        return header_failure(
            "the header needs first_seq (1 to 18 digits) and prev (64 hex digits)");
      }
      verifier.emplace(key, options, prev.value(), first);
      continue;
    }
    if (line.empty()) continue;
    std::string_view view(line);
    const bool record_form =
        view.size() > kRecordPrefix.size() + 64 + kRecordInfix.size() &&
        view.substr(0, kRecordPrefix.size()) == kRecordPrefix &&
        view.substr(kRecordPrefix.size() + 64, kRecordInfix.size()) == kRecordInfix &&
        view.back() == '}';
    if (record_form) {
      auto chain = digest_from_hex(view.substr(kRecordPrefix.size(), 64));
      const std::size_t start = kRecordPrefix.size() + 64 + kRecordInfix.size();
      if (!chain.ok()) {
        verifier->fail("malformed", "bad chain value", line_no);
        break;
      }
      verifier->add_record(view.substr(start, view.size() - start - 1), &chain.value(), line_no);
    } else {
      const auto doc = nlohmann::json::parse(line, nullptr, false);
      if (doc.is_object() && doc.size() == 1 && doc.contains("checkpoint")) {
        auto checkpoint = parse_checkpoint(doc["checkpoint"].dump());
        if (!checkpoint.ok()) {
          verifier->fail("malformed", checkpoint.error().message, line_no);
          break;
        }
        verifier->add_checkpoint(checkpoint.value(), line_no);
      } else if (doc.is_object() && doc.size() == 3 && doc.contains("d") && doc.contains("h") &&
                 // contains() first: operator[] on a const json with no such key is undefined
                 // (an assertion; found by fuzzing with {"h":..,"d":..,"x":..}).
                 doc.contains("seq") && doc["seq"].is_number_integer() && doc["d"].is_string() &&
                 doc["h"].is_string()) {
        auto digest = digest_from_hex(doc["d"].get<std::string>());
        auto chain = digest_from_hex(doc["h"].get<std::string>());
        if (!digest.ok() || !chain.ok()) {
          verifier->fail("malformed", "bad digest in a stub", line_no);
          break;
        }
        verifier->add_stub(doc["seq"].get<std::int64_t>(), digest.value(), &chain.value(), line_no);
      } else {
        verifier->fail("malformed", "not a record, stub or checkpoint line", line_no);
      }
    }
    if (verifier->failed()) break;
    if (progress && verifier->items() % 100000 == 0 && verifier->items() > 0) {
      progress(verifier->items());
    }
  }
  if (!verifier) return header_failure("the export is empty: no header line");
  return verifier->finish();
}

}  // namespace accord::audit
