// The agreement archive's reader (policy/governance archive.hpp): agreement.* records made by
// the real record encoder (accord_audit), folded back into one version's text and history.
#include "accord/governance/archive.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "accord/audit/event.hpp"
#include "accord/governance/signing.hpp"

namespace accord::governance {
namespace {

constexpr std::int64_t kT0 = 1'796'000'000'000;  // 2026-11-30T00:53:20Z

const std::string kTextV2 =
    "id: met-lvws-referral\nversion: 2\ntitle: \"Referrals\"\nstatus: active\n"
    "parties:\n  - agency: police.met\n  - agency: provider.lvws\n";
const std::string kTextV3 = "id: met-lvws-referral\nversion: 3\nstatus: active\n";
const std::string kReusedText = "id: met-lvws-referral\nversion: 2\ntitle: edited\n";

using Details = std::vector<std::pair<std::string, std::string>>;

audit::Event event(std::string kind, std::string agreement, Details details) {
  audit::Event e;
  e.kind = std::move(kind);
  e.at_ms = kT0;
  e.agreement = std::move(agreement);
  e.details = std::move(details);
  return e;
}

audit::Event proposed(const std::string& agreement, const std::string& text,
                      const std::string& file = "met-lvws-referral.yaml") {
  return event("agreement.proposed", agreement,
               {{"content_hash", content_hash(text)},
                {"file", file},
                {"status", "active"},
                {"mode", "enforce"},
                {"parties", "police.met,provider.lvws"},
                {"text", text}});
}

audit::Event signed_by(const std::string& agreement, const std::string& agency) {
  return event("agreement.signed", agreement,
               {{"content_hash", content_hash(kTextV2)},
                {"agency", agency},
                {"kid", agency + ":20261206T170000Z:ab12"},
                {"signed_at", "2026-12-06T17:00:00.000Z"},
                {"source", agency + ".sig.json"},
                {"sig", "c2ln"}});
}

// Records 1..n in the order given, as the log holds them.
std::vector<std::string> encode_all(const std::vector<audit::Event>& events) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < events.size(); ++i) {
    out.push_back(audit::encode_record(static_cast<std::int64_t>(i + 1), events[i]));
  }
  return out;
}

AgreementRef ref(std::string id, int version) {
  return AgreementRef{std::move(id), version};
}

std::vector<std::string> kinds(const ArchivedVersion& v) {
  std::vector<std::string> out;
  for (const auto& h : v.history) out.push_back(h.kind);
  return out;
}

TEST(AgreementRef, ParsesIdAtVersion) {
  struct Row {
    std::string text;
    std::string id;  // empty: refused
    int version = 0;
  };
  const std::vector<Row> rows = {
      {"met-lvws-referral@2", "met-lvws-referral", 2},
      {"a.b-c9@999999", "a.b-c9", 999999},
      {"x@1", "x", 1},
      {"", "", 0},
      {"met-lvws-referral", "", 0},
      {"@2", "", 0},
      {"met@", "", 0},
      {"Met@2", "", 0},
      {"met lvws@2", "", 0},
      {"met_lvws@2", "", 0},
      {"met@0", "", 0},
      {"met@02", "", 0},
      {"met@1000000", "", 0},
      {"met@2a", "", 0},
      {"met@-2", "", 0},
      {"met@+2", "", 0},
      {"met@@2", "", 0},
      {"met@2@3", "", 0},
      {"met%402", "", 0},
  };
  for (const auto& row : rows) {
    auto parsed = parse_agreement_ref(row.text);
    if (row.id.empty()) {
      ASSERT_FALSE(parsed.ok()) << row.text;
      EXPECT_EQ(parsed.error().code, "invalid_agreement_ref") << row.text;
      EXPECT_NE(parsed.error().message.find("`" + row.text + "`"), std::string::npos)
          << parsed.error().message;
    } else {
      ASSERT_TRUE(parsed.ok()) << row.text << ": " << parsed.error().message;
      EXPECT_EQ(parsed->id, row.id);
      EXPECT_EQ(parsed->version, row.version);
      EXPECT_EQ(parsed->to_string(), row.text);
    }
  }
}

TEST(ArchiveFold, TheTextAndEveryLifecycleRecordOfOneVersion) {
  audit::Event decision = event("decision.accepted", "met-lvws-referral@2", {});
  decision.sender = "police.met";
  decision.recipient = "provider.lvws";
  audit::Event suspended = signed_by("met-lvws-referral@2", "provider.lvws");
  suspended.kind = "agreement.suspended";
  suspended.reason = "breach reported";
  audit::Event refused = event("agreement.signature_refused", "met-lvws-referral@2",
                               {{"statement", "signature"},
                                {"content_hash", content_hash(kTextV3)},
                                {"agency", "police.met"},
                                {"kid", "police.met:20261206T170000Z:ab12"},
                                {"source", "api"}});
  refused.code = "other_version";
  refused.reason = "the statement signs other text than met-lvws-referral@2";
  audit::Event loaded = event("admin.agreements_loaded", "", {{"agreements", "2"}});
  const auto records = encode_all({
      proposed("met-lvws-referral@2", kTextV2),            // 1
      proposed("met-lvws-referral@3", kTextV3),            // 2 other version
      proposed("met-lvws-referral@20", kTextV3),           // 3 other version
      proposed("met-lvws-referral-extra@2", kTextV3),      // 4 other id
      signed_by("met-lvws-referral@2", "police.met"),      // 5
      refused,                                             // 6
      signed_by("met-lvws-referral@2", "provider.lvws"),   // 7
      event("agreement.activated", "met-lvws-referral@2",  // 8
            {{"content_hash", content_hash(kTextV2)}, {"signed_by", "police.met,provider.lvws"}}),
      loaded,                                            // 9
      decision,                                          // 10 not lifecycle
      suspended,                                         // 11
      event("agreement.retired", "met-lvws-referral@2",  // 12
            {{"content_hash", content_hash(kTextV2)}}),
  });
  auto v = archived_version(ref("met-lvws-referral", 2), records);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->text, kTextV2);
  EXPECT_EQ(v->content_hash, content_hash(kTextV2));
  EXPECT_EQ(v->file, "met-lvws-referral.yaml");
  EXPECT_TRUE(v->verified);
  EXPECT_EQ(kinds(*v), (std::vector<std::string>{"agreement.proposed", "agreement.signed",
                                                 "agreement.signature_refused", "agreement.signed",
                                                 "agreement.activated", "agreement.suspended",
                                                 "agreement.retired"}));
  std::vector<std::int64_t> seqs;
  for (const auto& h : v->history) seqs.push_back(h.seq);
  EXPECT_EQ(seqs, (std::vector<std::int64_t>{1, 5, 6, 7, 8, 11, 12}));
  // The proposed record's details in record order, without the text (given once).
  EXPECT_EQ(v->history[0].details, (Details{{"content_hash", content_hash(kTextV2)},
                                            {"file", "met-lvws-referral.yaml"},
                                            {"status", "active"},
                                            {"mode", "enforce"},
                                            {"parties", "police.met,provider.lvws"}}));
  EXPECT_EQ(v->history[0].at, "2026-11-30T00:53:20.000Z");
  EXPECT_EQ(v->history[2].code, "other_version");
  EXPECT_EQ(v->history[5].reason, "breach reported");
  EXPECT_EQ(v->history[1].details.at(1),
            (std::pair<std::string, std::string>{"agency", "police.met"}));

  auto v3 = archived_version(ref("met-lvws-referral", 3), records);
  ASSERT_TRUE(v3.ok());
  EXPECT_EQ(v3->text, kTextV3);
  EXPECT_EQ(kinds(*v3), (std::vector<std::string>{"agreement.proposed"}));
}

TEST(ArchiveFold, AVersionNeverProposedIsUnknown) {
  const auto records = encode_all({
      proposed("met-lvws-referral@2", kTextV2),
      // Lifecycle records alone (a refused signature claiming version 4) archive no text.
      event("agreement.signature_refused", "met-lvws-referral@4",
            {{"statement", "signature"}, {"content_hash", content_hash(kTextV3)}}),
  });
  for (const auto& wanted : {ref("met-lvws-referral", 4), ref("met-lvws-referral", 1),
                             ref("met-lvws", 2), ref("other", 2)}) {
    auto v = archived_version(wanted, records);
    ASSERT_FALSE(v.ok()) << wanted.to_string();
    EXPECT_EQ(v.error().code, "unknown_version");
    EXPECT_NE(v.error().message.find(wanted.to_string()), std::string::npos);
  }
  EXPECT_EQ(archived_version(ref("x", 1), {}).error().code, "unknown_version");
}

// The gateway never archives a second text under one id@version; a log that holds one anyway
// still answers with the first.
TEST(ArchiveFold, AReusedVersionKeepsTheTextFirstArchived) {
  const auto records = encode_all({
      proposed("met-lvws-referral@2", kTextV2),
      proposed("met-lvws-referral@2", kReusedText, "edited.yaml"),
      event(
          "agreement.not_activated", "met-lvws-referral@2",
          {{"content_hash", content_hash(kReusedText)}, {"archived_hash", content_hash(kTextV2)}}),
  });
  auto v = archived_version(ref("met-lvws-referral", 2), records);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->text, kTextV2);
  EXPECT_EQ(v->file, "met-lvws-referral.yaml");
  EXPECT_TRUE(v->verified);
  ASSERT_EQ(v->history.size(), 3u);
  EXPECT_EQ(v->history[1].kind, "agreement.proposed");
  EXPECT_EQ(v->history[1].details.front().second, content_hash(kReusedText));
}

TEST(ArchiveFold, ATextThatDoesNotMatchItsHashIsNotVerified) {
  audit::Event tampered = proposed("met-lvws-referral@2", kTextV2);
  tampered.details.back().second = kTextV2 + "  - agency: provider.extra\n";
  auto v = archived_version(ref("met-lvws-referral", 2), encode_all({tampered}));
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->verified);
  EXPECT_EQ(v->content_hash, content_hash(kTextV2));
}

TEST(ArchiveFold, AMalformedRecordOfTheVersionIsCorrupt) {
  const std::string a = R"("agreement":"met@1")";
  struct Row {
    std::string record;
    std::string message_part;  // empty: skipped, no error
  };
  const std::vector<Row> rows = {
      {R"({"seq":7,"at":"2026-12-06T17:00:00.000Z","kind":"agreement.proposed",)" + a +
           R"(,"details":{"content_hash":"sha256:00","file":"m.yaml"}})",
       "audit record 7 of the agreement archive is malformed: agreement.proposed without text"},
      {R"({"seq":7,"at":"2026-12-06T17:00:00.000Z","kind":"agreement.proposed",)" + a +
           R"(,"details":{"file":"m.yaml","text":"id: met"}})",
       "without content_hash"},
      {R"({"seq":7,"at":"2026-12-06T17:00:00.000Z","kind":"agreement.signed",)" + a +
           R"(,"details":{"agency":3}})",
       "details.agency is not a string"},
      {R"({"seq":7,"at":"2026-12-06T17:00:00.000Z","kind":"agreement.signed",)" + a +
           R"(,"details":"x"})",
       "`details` is not an object"},
      {R"({"seq":7,"kind":"agreement.signed",)" + a + "}", "audit record 7 of the agreement"},
      {R"({"seq":"7","at":"x","kind":"agreement.signed",)" + a + "}", "has no seq"},
      {R"({"at":"x","kind":"agreement.activated",)" + a + "}", "has no seq"},
      // Not this version's, not lifecycle, or not a record: skipped.
      {R"({"seq":7,"kind":"agreement.signed","agreement":"met@12"})", ""},
      {R"({"seq":7,"kind":"decision.accepted",)" + a + "}", ""},
      {R"({"seq":7,"kind":"agreement.signed","agreement":"met@1","details":)", ""},
      {"not json " + a, ""},
  };
  for (const auto& row : rows) {
    ArchiveFold fold(ref("met", 1));
    const Status s = fold.add(row.record);
    if (row.message_part.empty()) {
      EXPECT_TRUE(s.ok()) << row.record << ": " << s.error().message;
      EXPECT_EQ(fold.result().error().code, "unknown_version") << row.record;
      continue;
    }
    ASSERT_FALSE(s.ok()) << row.record;
    EXPECT_EQ(s.error().code, "corrupt");
    EXPECT_NE(s.error().message.find(row.message_part), std::string::npos) << s.error().message;
  }
}

TEST(GoverningAgreement, TheVersionADecisionNames) {
  struct Row {
    std::string kind;
    std::string agreement;
    std::string expected;  // empty: nullopt
  };
  const std::vector<Row> rows = {
      {"decision.accepted", "met-lvws-referral@2", "met-lvws-referral@2"},
      {"decision.refused", "met-lvws-referral@3", "met-lvws-referral@3"},
      {"decision.shadow", "met-lvws-shadow@1", "met-lvws-shadow@1"},
      {"decision.refused", "", ""},  // no agreement covered the route
      {"delivery.acked", "met-lvws-referral@2", ""},
      {"agreement.activated", "met-lvws-referral@2", ""},
      {"decision.accepted", "not a ref", ""},
  };
  for (const auto& row : rows) {
    const auto record = audit::encode_record(5, event(row.kind, row.agreement, {}));
    const auto got = governing_agreement(record);
    if (row.expected.empty()) {
      EXPECT_FALSE(got.has_value()) << record;
    } else {
      ASSERT_TRUE(got.has_value()) << record;
      EXPECT_EQ(got->to_string(), row.expected);
    }
  }
  EXPECT_FALSE(governing_agreement("[]").has_value());
  EXPECT_FALSE(governing_agreement("").has_value());
}

TEST(ArchiveHistoryText, OneLinePerRecordForPeople) {
  audit::Event refused = event(
      "agreement.signature_refused", "met-lvws-referral@2",
      {{"statement", "signature"}, {"content_hash", "sha256:other"}, {"agency", "police.met"}});
  refused.code = "other_version";
  refused.reason = "signs other text";
  auto v = archived_version(ref("met-lvws-referral", 2),
                            encode_all({proposed("met-lvws-referral@2", kTextV2),
                                        signed_by("met-lvws-referral@2", "police.met"), refused}));
  ASSERT_TRUE(v.ok());
  const std::string h = content_hash(kTextV2);
  EXPECT_EQ(archive_history_text(*v),
            "met-lvws-referral@2  " + h + "  file met-lvws-referral.yaml  " +
                std::to_string(kTextV2.size()) +
                " bytes  text verified\n"
                "  seq 1  2026-11-30T00:53:20.000Z  agreement.proposed  file=met-lvws-referral.yaml"
                "  status=active  mode=enforce  parties=police.met,provider.lvws\n"
                "  seq 2  2026-11-30T00:53:20.000Z  agreement.signed  agency=police.met"
                "  kid=police.met:20261206T170000Z:ab12  signed_at=2026-12-06T17:00:00.000Z"
                "  source=police.met.sig.json\n"
                "  seq 3  2026-11-30T00:53:20.000Z  agreement.signature_refused  other_version: "
                "signs other text  statement=signature  content_hash=sha256:other"
                "  agency=police.met\n");
  v->verified = false;
  EXPECT_NE(archive_history_text(*v).find("TEXT DOES NOT MATCH ITS HASH"), std::string::npos);
}

TEST(ArchiveJson, RoundTripsWithMembersInOrder) {
  audit::Event refused = event("agreement.signature_refused", "met-lvws-referral@2",
                               {{"statement", "signature"}, {"agency", "police.met"}});
  refused.code = "bad_signature";
  refused.reason = "the signature does not verify";
  auto v = archived_version(ref("met-lvws-referral", 2),
                            encode_all({proposed("met-lvws-referral@2", kTextV2), refused}));
  ASSERT_TRUE(v.ok());
  const std::string text = archive_json(*v);
  const auto doc = nlohmann::ordered_json::parse(text);
  std::vector<std::string> keys;
  for (const auto& [key, value] : doc.items()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"agreement", "version", "content_hash", "file", "text",
                                            "verified", "history"}));
  EXPECT_EQ(doc["agreement"], "met-lvws-referral");
  EXPECT_EQ(doc["version"], 2);
  EXPECT_EQ(doc["text"], kTextV2);
  EXPECT_EQ(doc["verified"], true);
  EXPECT_EQ(doc["history"][0].dump(),
            R"({"seq":1,"at":"2026-11-30T00:53:20.000Z","kind":"agreement.proposed","details":)"
            R"({"content_hash":")" +
                content_hash(kTextV2) +
                R"(","file":"met-lvws-referral.yaml","status":"active","mode":"enforce",)"
                R"("parties":"police.met,provider.lvws"}})");
  EXPECT_EQ(doc["history"][1]["code"], "bad_signature");
  EXPECT_EQ(doc["history"][1]["reason"], "the signature does not verify");

  auto back = parse_archive_json(text);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(archive_json(*back), text);
}

TEST(ArchiveJson, AClientChecksTheHashItself) {
  auto v = archived_version(ref("met-lvws-referral", 2),
                            encode_all({proposed("met-lvws-referral@2", kTextV2)}));
  ASSERT_TRUE(v.ok());
  auto doc = nlohmann::ordered_json::parse(archive_json(*v));
  doc["text"] = kTextV2 + "# changed\n";  // a server that says verified: true regardless
  auto back = parse_archive_json(doc.dump());
  ASSERT_TRUE(back.ok());
  EXPECT_FALSE(back->verified);
}

TEST(ArchiveJson, AMalformedDocumentNamesTheMember) {
  auto v = archived_version(ref("met-lvws-referral", 2),
                            encode_all({proposed("met-lvws-referral@2", kTextV2)}));
  ASSERT_TRUE(v.ok());
  const auto good = nlohmann::ordered_json::parse(archive_json(*v));
  struct Row {
    std::string pointer;  // the member to break
    nlohmann::ordered_json value;
    std::string path;
  };
  const std::vector<Row> rows = {
      {"/agreement", 3, "agreement"},
      {"/agreement", "Met", "agreement"},
      {"/version", "2", "version"},
      {"/version", 0, "agreement"},
      {"/text", nullptr, "text"},
      {"/history", "x", "history"},
      {"/history/0/seq", "1", "history[0].seq"},
      {"/history/0/kind", 1, "history[0].kind"},
      {"/history/0/details", nlohmann::ordered_json::array(), "history[0].details"},
      {"/history/0/details/file", 1, "history[0].details.file"},
  };
  for (const auto& row : rows) {
    auto broken = good;
    broken[nlohmann::ordered_json::json_pointer(row.pointer)] = row.value;
    auto parsed = parse_archive_json(broken.dump());
    ASSERT_FALSE(parsed.ok()) << row.pointer;
    EXPECT_EQ(parsed.error().code, "invalid_archive");
    EXPECT_EQ(parsed.error().path, row.path) << parsed.error().message;
  }
  EXPECT_EQ(parse_archive_json("not json").error().code, "invalid_archive");
}

}  // namespace
}  // namespace accord::governance
