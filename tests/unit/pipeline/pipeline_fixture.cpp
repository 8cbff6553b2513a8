#include "pipeline_fixture.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "accord/agreements/loader.hpp"

namespace accord::pipeline::testing {

std::string referral_body() {
  return read_file(source_dir() + "/tests/data/envelope/referral_created.json");
}

std::string with_id(std::string body, const std::string& id) {
  const std::string old = "\"met-ref-2026-000417\"";
  const auto at = body.find(old);
  if (at == std::string::npos) std::abort();
  return body.replace(at, old.size(), "\"" + id + "\"");
}

World::World() {
  auto vocab = envelope::Vocabulary::parse(read_file(source_dir() + "/config/vocabulary.yaml"));
  if (!vocab.ok()) std::abort();
  vocabulary = std::move(vocab.value());

  std::vector<agreements::SourceText> sources;
  for (const auto& f : std::filesystem::directory_iterator(source_dir() + "/config/agreements")) {
    if (f.path().extension() == ".yaml") sources.push_back({f.path(), read_file(f.path())});
  }
  auto loaded = agreements::parse_all(sources);
  for (const auto& d : loaded.diagnostics) ADD_FAILURE() << d.to_string();

  auto key = crypto::generate_agency_key(kLvws, kNow - 86'400'000);
  if (!key.ok()) std::abort();
  lvws_key = std::move(key.value());
  auto registry =
      crypto::KeyRegistry::parse({{"lvws.pub.json", crypto::public_key_file_text(lvws_key.pub)}});
  if (!registry.ok()) std::abort();

  agreements = std::make_shared<const AgreementPolicy>(
      std::make_shared<const agreements::AgreementSet>(std::move(loaded.agreements)),
      std::vector<unsigned char>(32, 7),
      std::make_shared<const crypto::KeyRegistry>(std::move(registry.value())));
  policy = std::make_shared<CountingPolicy>(agreements);
  auto s = crypto::GatewaySigner::load_or_create(dir.file("signing.key"), kNow);
  if (!s.ok()) std::abort();
  signer.emplace(std::move(s.value()));
}

void World::open(std::function<void()> before_batch) {
  spool::SqliteSpoolOptions o;
  o.path = dir.file("spool.db");
  o.before_batch = std::move(before_batch);
  auto opened = spool::open_sqlite_spool(o);
  if (!opened.ok()) {
    ADD_FAILURE() << opened.error().message;
    std::abort();
  }
  spool = std::move(opened).value();
  pipeline = std::make_unique<Pipeline>(vocabulary, envelope::DecodeLimits{}, *spool, *signer);
  pipeline->set_policy(policy);
}

SubmitOutcome World::submit(const std::string& body, std::int64_t now_ms,
                            const std::string& sender) {
  auto answer = std::make_shared<std::promise<SubmitOutcome>>();
  pipeline->submit(sender, body, now_ms,
                   [answer](SubmitOutcome outcome) { answer->set_value(std::move(outcome)); });
  return answer->get_future().get();
}

}  // namespace accord::pipeline::testing
