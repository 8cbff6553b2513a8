// Envelope codec kernels on the 1 KB referral example (tests/data/envelope/referral_created.json):
// our simdjson decoder (parse + validate + flatten), a plain nlohmann::json::parse of the same
// bytes (parse only, no validation), the raw simdjson DOM and On-Demand parses that informed the
// choice of parser, and encode().
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "accord/envelope/codec.hpp"

namespace {

std::string read(const std::string& relative) {
  const char* root = std::getenv("ACCORD_SOURCE_DIR");
  std::ifstream in(std::string(root ? root : ACCORD_BENCH_SOURCE_DIR) + "/" + relative,
                   std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const std::string& example() {
  static const std::string text = read("tests/data/envelope/referral_created.json");
  return text;
}

const accord::envelope::Vocabulary& vocabulary() {
  static const accord::envelope::Vocabulary v = [] {
    auto parsed = accord::envelope::Vocabulary::parse(read("config/vocabulary.yaml"));
    if (!parsed) std::abort();
    return *parsed;
  }();
  return v;
}

void BM_DecodeSimdjson(benchmark::State& state) {
  const std::string& body = example();
  for (auto _ : state) {
    auto envelope = accord::envelope::decode(body, vocabulary());
    if (!envelope.ok()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(envelope);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_DecodeSimdjson);

void BM_ParseNlohmann(benchmark::State& state) {
  const std::string& body = example();
  for (auto _ : state) {
    auto j = nlohmann::json::parse(body);
    benchmark::DoNotOptimize(j);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_ParseNlohmann);

// Parser choice: a full DOM parse (validates everything) ...
void BM_ParseSimdjsonDom(benchmark::State& state) {
  const std::string& body = example();
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element root;
    if (parser.parse(body.data(), body.size(), true).get(root)) state.SkipWithError("parse");
    benchmark::DoNotOptimize(root);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_ParseSimdjsonDom);

// ... versus On-Demand visiting every value once (what a strict decoder would have to do).
void visit(simdjson::ondemand::value value, std::size_t& count) {
  simdjson::ondemand::json_type type;
  if (value.type().get(type)) return;
  if (type == simdjson::ondemand::json_type::object) {
    for (auto field : value.get_object()) {
      std::string_view key;
      if (field.unescaped_key().get(key)) return;
      visit(field.value(), count);
    }
  } else if (type == simdjson::ondemand::json_type::array) {
    for (auto item : value.get_array()) visit(item.value(), count);
  } else {
    std::string_view raw = value.raw_json_token();
    count += raw.size();
  }
}

void BM_ParseSimdjsonOnDemand(benchmark::State& state) {
  simdjson::padded_string body(example());
  simdjson::ondemand::parser parser;
  for (auto _ : state) {
    std::size_t count = 0;
    simdjson::ondemand::document doc;
    if (parser.iterate(body).get(doc)) state.SkipWithError("iterate");
    simdjson::ondemand::object root;
    if (doc.get_object().get(root)) state.SkipWithError("object");
    for (auto field : root) {
      std::string_view key;
      if (field.unescaped_key().get(key)) state.SkipWithError("key");
      visit(field.value(), count);
    }
    benchmark::DoNotOptimize(count);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_ParseSimdjsonOnDemand);

void BM_Encode(benchmark::State& state) {
  auto envelope = accord::envelope::decode(example(), vocabulary());
  if (!envelope.ok()) std::abort();
  for (auto _ : state) {
    std::string text = accord::envelope::encode(*envelope);
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(BM_Encode);

}  // namespace

BENCHMARK_MAIN();
