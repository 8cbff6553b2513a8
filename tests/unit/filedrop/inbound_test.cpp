#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "accord/adapters/filedrop.hpp"
#include "accord/adapters/filedrop_inbound.hpp"
#include "accord/testing/temp_dir.hpp"
#include "accord/testing/wait_until.hpp"

namespace accord::adapters {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The gateway's seam: records every submission and answers as `judge` says. Replies come
// on the calling thread (inside submit()) unless `async` is set, then from a thread.
class RecordingSubmitter : public Submitter {
 public:
  struct Call {
    std::string sender;
    std::string body;
  };
  using Judge = std::function<SubmitReply(const std::string& id, int attempt)>;

  explicit RecordingSubmitter(Judge judge = {}) : judge_(std::move(judge)) {}
  ~RecordingSubmitter() override {
    for (auto& t : threads_) t.join();
  }

  void submit(const std::string& sender, std::string body, Done done) override {
    SubmitReply reply;
    {
      std::lock_guard lock(mutex_);
      const auto parsed = json::parse(body, nullptr, false);
      const std::string id = parsed.is_object() && parsed.contains("id") && parsed["id"].is_string()
                                 ? parsed["id"].get<std::string>()
                                 : std::string();
      const int attempt = ++attempts_[id];
      calls_.push_back({sender, body});
      reply.status = SubmitReply::Status::accepted;
      if (judge_) reply = judge_(id, attempt);
    }
    if (async) {
      std::lock_guard lock(mutex_);
      threads_.emplace_back([done = std::move(done), reply] { done(reply); });
    } else {
      done(reply);
    }
  }

  std::vector<Call> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }

  bool async = false;

 private:
  Judge judge_;
  mutable std::mutex mutex_;
  std::vector<Call> calls_;
  std::map<std::string, int> attempts_;
  std::vector<std::thread> threads_;
};

SubmitReply refused(std::string code, bool retryable = false) {
  SubmitReply r;
  r.status = SubmitReply::Status::refused;
  r.code = std::move(code);
  r.message = "refused: " + r.code;
  r.retryable = retryable;
  return r;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

void spit(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::vector<json> report(const std::string& path) {
  std::vector<json> out;
  std::istringstream in(slurp(path));
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
  return out;
}

std::vector<std::string> listing(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

constexpr const char* kMapping = R"(
format: csv
event_type_column: event
mapping:
  id: ref
  case.urn: urn
  subject.role: role
  subject.ref: subject
  occurred_at: when
  classification: class
  data.offence.category: offence
  data.victim.contact.phone: phone
  data.victim.count: n
  data.victim.vulnerable: vuln
constants: {case.owner: police.met}
types: {data.victim.count: integer, data.victim.vulnerable: boolean}
)";

constexpr const char* kHeader = "ref,event,urn,role,subject,when,class,offence,phone,n,vuln\n";

std::string row(const std::string& ref, const std::string& phone = "07700 900123",
                const std::string& n = "2") {
  return ref + ",arrest.made,01MP0041726,victim,V-7F3A91C2,2026-11-20T09:30:00Z,OFFICIAL," +
         "\"burglary, dwelling\",\"" + phone + "\"," + n + ",true\n";
}

class FiledropInboundTest : public ::testing::Test {
 protected:
  FiledropInboundSettings settings(const std::string& yaml = kMapping) {
    auto s = parse_filedrop_inbound_settings(
        YAML::Load("type: filedrop\ndirectory: '" + dir_.path() + "'\npoll_ms: 10\n" + yaml), "");
    EXPECT_TRUE(s.ok()) << s.error().message << " at " << s.error().path;
    return s.ok() ? *s : FiledropInboundSettings{};
  }

  std::unique_ptr<FiledropInbound> adapter(RecordingSubmitter& submitter,
                                           const std::string& yaml = kMapping) {
    auto a = std::make_unique<FiledropInbound>(settings(yaml), "police.met", submitter);
    EXPECT_TRUE(a->prepare().ok());
    return a;
  }

  // Drops a file the way a producer must: write name.tmp, then rename.
  void drop(const std::string& name, const std::string& text) {
    spit(dir_.file(name + ".tmp"), text);
    fs::rename(dir_.file(name + ".tmp"), dir_.file(name));
  }

  testing::TempDir dir_{"accord-filedrop-in-"};
};

TEST_F(FiledropInboundTest, CsvRowsBecomeEnvelopesSubmittedAsTheAgency) {
  RecordingSubmitter submitter;
  auto a = adapter(submitter);
  drop("extract.csv", std::string(kHeader) + row("met-1") + row("met-2", "", "7"));
  a->poll_once();

  const auto calls = submitter.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].sender, "police.met");
  EXPECT_EQ(json::parse(calls[0].body), json::parse(R"({
    "id": "met-1", "type": "arrest.made",
    "case": {"urn": "01MP0041726", "owner": "police.met"},
    "subject": {"role": "victim", "ref": "V-7F3A91C2"},
    "occurred_at": "2026-11-20T09:30:00Z", "classification": "OFFICIAL",
    "data": {"offence": {"category": "burglary, dwelling"},
             "victim": {"contact": {"phone": "07700 900123"}, "count": 2, "vulnerable": true}}})"));
  // An empty data cell is no value: the field is left out.
  EXPECT_FALSE(json::parse(calls[1].body)["data"]["victim"].contains("contact"));
  EXPECT_EQ(json::parse(calls[1].body)["data"]["victim"]["count"], 7);

  EXPECT_EQ(listing(dir_.path()), (std::vector<std::string>{"done", "failed", "processing"}));
  EXPECT_EQ(listing(dir_.file("done")),
            (std::vector<std::string>{"extract.csv", "extract.csv.report.jsonl"}));
  EXPECT_EQ(slurp(dir_.file("done/extract.csv")),
            std::string(kHeader) + row("met-1") + row("met-2", "", "7"));
  const auto lines = report(dir_.file("done/extract.csv.report.jsonl"));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], json::parse(R"({"row":1,"line":2,"id":"met-1","status":"accepted",
                                      "code":"","message":""})"));
  EXPECT_EQ(lines[1]["row"], 2);
  EXPECT_EQ(lines[1]["id"], "met-2");
}

TEST_F(FiledropInboundTest, FixedEventTypeAndQuotedNewlines) {
  RecordingSubmitter submitter;
  std::string yaml = kMapping;
  yaml.replace(yaml.find("event_type_column: event"), 24, "event_type: victim.contacted");
  auto a = adapter(submitter, yaml);
  drop("x.csv",
       "\xEF\xBB\xBF"
       "ref,event,urn,role,subject,when,class,offence,phone,n,vuln\r\n"
       "m-1,ignored,U1,victim,S1,2026-11-20T09:30:00Z,OFFICIAL,\"line one\r\nline "
       "\"\"two\"\"\",p,,\r\n");
  a->poll_once();
  const auto calls = submitter.calls();
  ASSERT_EQ(calls.size(), 1u);
  const auto env = json::parse(calls[0].body);
  EXPECT_EQ(env["type"], "victim.contacted");
  EXPECT_EQ(env["data"]["offence"]["category"], "line one\r\nline \"two\"");
  EXPECT_TRUE(fs::exists(dir_.file("done/x.csv")));
}

// keep_extracts: an extract and its report go once their processing ended keep_extracts ago
// (the report's modification time), judged by the clock passed in; nothing else is touched.
TEST_F(FiledropInboundTest, PurgeDeletesExtractsPastKeepExtracts) {
  RecordingSubmitter submitter([](const std::string& id, int) {
    SubmitReply accepted;
    accepted.status = SubmitReply::Status::accepted;
    return id == "bad-1" ? refused("not_permitted") : accepted;
  });
  auto a = adapter(submitter, std::string(kMapping) + "keep_extracts: P30D\n");
  drop("old.csv", std::string(kHeader) + row("met-1"));
  drop("bad.csv", std::string(kHeader) + row("bad-1"));
  a->poll_once();
  drop("new.csv", std::string(kHeader) + row("met-2"));
  a->poll_once();
  drop("waiting.csv", std::string(kHeader) + row("met-3"));  // not yet processed
  using namespace std::chrono;
  // Processing of old and bad ended 2026-01-01T00:00Z, of new a day later.
  const auto at = [](std::int64_t unix_s) {
    return fs::file_time_type::clock::from_sys(sys_seconds{seconds{unix_s}});
  };
  const std::int64_t jan1 = 1'767'225'600;  // 2026-01-01T00:00:00Z
  for (const char* f : {"done/old.csv", "done/old.csv.report.jsonl", "failed/bad.csv",
                        "failed/bad.csv.report.jsonl"}) {
    fs::last_write_time(dir_.file(f), at(jan1));
  }
  // The extract's own time is the producer's (older); the report decides.
  fs::last_write_time(dir_.file("done/new.csv"), at(jan1 - 86'400));
  fs::last_write_time(dir_.file("done/new.csv.report.jsonl"), at(jan1 + 86'400));
  const std::int64_t jan31 = (jan1 + 30 * 86'400) * 1000;  // 2026-01-31T00:00:00Z

  auto none = a->purge(jan31 - 1);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);
  auto deleted = a->purge(jan31);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 4);
  EXPECT_EQ(listing(dir_.file("done")),
            (std::vector<std::string>{"new.csv", "new.csv.report.jsonl"}));
  EXPECT_TRUE(listing(dir_.file("failed")).empty());
  EXPECT_TRUE(fs::exists(dir_.file("waiting.csv")));
  EXPECT_EQ(a->purge(jan31 + 86'400'000).value(), 2);
  EXPECT_TRUE(listing(dir_.file("done")).empty());
  EXPECT_TRUE(fs::exists(dir_.file("waiting.csv")));
}

TEST_F(FiledropInboundTest, KeepExtractsDefaultsToThirtyDaysAndIsADuration) {
  EXPECT_EQ(settings().keep_extracts, "P30D");
  auto bad = parse_filedrop_inbound_settings(
      YAML::Load("type: filedrop\ndirectory: /tmp\nformat: jsonl\nkeep_extracts: 30 days\n"), "");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("not an ISO 8601 duration"), std::string::npos)
      << bad.error().message;
  EXPECT_EQ(bad.error().path, "4:16");
}

struct WholeFileRow {
  const char* name;
  std::string content;
  std::string code;
};

class WholeFileRefused : public FiledropInboundTest,
                         public ::testing::WithParamInterface<WholeFileRow> {};

TEST_P(WholeFileRefused, NoRowIsSubmitted) {
  RecordingSubmitter submitter;
  auto a = adapter(submitter);
  drop("bad.csv", GetParam().content);
  a->poll_once();
  EXPECT_TRUE(submitter.calls().empty());
  EXPECT_TRUE(listing(dir_.file("done")).empty());
  EXPECT_TRUE(listing(dir_.file("processing")).empty());
  ASSERT_TRUE(fs::exists(dir_.file("failed/bad.csv")));
  const auto lines = report(dir_.file("failed/bad.csv.report.jsonl"));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["row"], 0);
  EXPECT_EQ(lines[0]["status"], "refused");
  EXPECT_EQ(lines[0]["code"], GetParam().code) << lines[0].dump();
}

INSTANTIATE_TEST_SUITE_P(
    Rows, WholeFileRefused,
    ::testing::Values(
        WholeFileRow{"empty_file", "", "malformed_header"},
        WholeFileRow{"broken_header", "ref,\"event,urn\n" + row("m-1"), "malformed_header"},
        WholeFileRow{
            "duplicate_column",
            "ref,ref,event,urn,role,subject,when,class,offence,phone,n,vuln\n" + row("m-1"),
            "malformed_header"},
        WholeFileRow{"empty_column_name",
                     "ref,,event,urn,role,subject,when,class,offence,phone,n,vuln\n" + row("m-1"),
                     "malformed_header"},
        WholeFileRow{"missing_mapped_column",
                     "ref,event,urn,role,subject,when,class,offence,phone,n\n" + row("m-1"),
                     "missing_column"},
        WholeFileRow{"misnamed_column",
                     "REF,event,urn,role,subject,when,class,offence,phone,n,vuln\n" + row("m-1"),
                     "missing_column"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(FiledropInboundTest, BadRowsAreRefusedOneByOneAndTheFileFails) {
  RecordingSubmitter submitter([](const std::string& id, int) {
    if (id == "m-3") return refused("not_permitted");
    SubmitReply ok;
    ok.status = id == "m-5" ? SubmitReply::Status::duplicate : SubmitReply::Status::accepted;
    return ok;
  });
  auto a = adapter(submitter);
  drop("mixed.csv", std::string(kHeader) + row("m-1") +
                        "m-2,arrest.made,too,few,cells\n" +  // wrong cell count
                        row("m-3") + row("m-4", "x", "not-a-number") + row("m-5") +
                        "m-6,a\"b,c\n");  // broken quoting
  a->poll_once();

  // Only the well-formed rows reach the pipeline; every row is in the report.
  const auto calls = submitter.calls();
  ASSERT_EQ(calls.size(), 3u);
  const auto lines = report(dir_.file("failed/mixed.csv.report.jsonl"));
  ASSERT_EQ(lines.size(), 6u);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"accepted", ""},
      {"refused", "wrong_cell_count"},
      {"refused", "not_permitted"},
      {"refused", "invalid_cell"},
      {"duplicate", ""},
      {"refused", "malformed_row"}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(lines[i]["row"], i + 1);
    EXPECT_EQ(lines[i]["id"], "m-" + std::to_string(i + 1));
    EXPECT_EQ(lines[i]["status"], expected[i].first) << lines[i].dump();
    EXPECT_EQ(lines[i]["code"], expected[i].second) << lines[i].dump();
  }
  // The report names columns, never a cell's value.
  const std::string text = slurp(dir_.file("failed/mixed.csv.report.jsonl"));
  for (const char* value : {"07700", "not-a-number", "burglary", "V-7F3A91C2", "01MP0041726"}) {
    EXPECT_EQ(text.find(value), std::string::npos) << value;
  }
}

TEST_F(FiledropInboundTest, RetryableRefusalIsRetriedNotDropped) {
  RecordingSubmitter submitter([](const std::string& id, int attempt) {
    if (id == "m-1" && attempt <= 2) return refused("storage_unavailable", true);
    SubmitReply ok;
    ok.status = SubmitReply::Status::accepted;
    return ok;
  });
  auto a = adapter(submitter);
  drop("retry.csv", std::string(kHeader) + row("m-1") + row("m-2"));
  a->poll_once();
  const auto calls = submitter.calls();
  ASSERT_EQ(calls.size(), 4u);
  // m-2 waits behind the row being retried: file order is kept.
  for (int i : {0, 1, 2}) EXPECT_EQ(json::parse(calls[i].body)["id"], "m-1");
  EXPECT_EQ(json::parse(calls[3].body)["id"], "m-2");
  const auto lines = report(dir_.file("done/retry.csv.report.jsonl"));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["status"], "accepted");
}

TEST_F(FiledropInboundTest, StopDuringRetryLeavesTheFileInProcessing) {
  RecordingSubmitter submitter([](const std::string&, int) { return refused("overloaded", true); });
  auto a = std::make_unique<FiledropInbound>(settings(), "police.met", submitter);
  drop("stuck.csv", std::string(kHeader) + row("m-1"));
  ASSERT_TRUE(a->start().ok());
  ASSERT_TRUE(testing::wait_until([&] { return submitter.calls().size() >= 2; }));
  a->stop();
  EXPECT_TRUE(fs::exists(dir_.file("processing/stuck.csv")));
  EXPECT_TRUE(listing(dir_.file("failed")).empty());
  EXPECT_TRUE(listing(dir_.file("done")).empty());
}

TEST_F(FiledropInboundTest, LeftoverInProcessingIsRedoneFromTheStart) {
  RecordingSubmitter submitter([](const std::string& id, int) {
    SubmitReply r;
    r.status = id == "m-1" ? SubmitReply::Status::duplicate : SubmitReply::Status::accepted;
    return r;
  });
  auto a = adapter(submitter);
  spit(dir_.file("processing/crashed.csv"), std::string(kHeader) + row("m-1") + row("m-2"));
  a->poll_once();
  ASSERT_EQ(submitter.calls().size(), 2u);
  const auto lines = report(dir_.file("done/crashed.csv.report.jsonl"));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["status"], "duplicate");
  EXPECT_EQ(lines[1]["status"], "accepted");
}

TEST_F(FiledropInboundTest, VanishedFileIsSkippedSilently) {
  RecordingSubmitter submitter;
  auto a = adapter(submitter);
  EXPECT_EQ(a->take("gone.csv"), FiledropInbound::Take::skipped);
  EXPECT_TRUE(submitter.calls().empty());
  EXPECT_TRUE(listing(dir_.file("failed")).empty());
  EXPECT_TRUE(listing(dir_.file("done")).empty());
}

TEST_F(FiledropInboundTest, UnreadableAfterClaimFailsWithTheReason) {
  RecordingSubmitter submitter;
  auto a = adapter(submitter);
  fs::create_directory(dir_.file("odd.csv"));  // claimable by rename, not readable as a file
  EXPECT_EQ(a->take("odd.csv"), FiledropInbound::Take::failed);
  const auto lines = report(dir_.file("failed/odd.csv.report.jsonl"));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["code"], "unreadable");
  EXPECT_NE(lines[0]["message"].get<std::string>().find("Is a directory"), std::string::npos);
  EXPECT_TRUE(submitter.calls().empty());
}

TEST_F(FiledropInboundTest, IncompleteAndForeignFilesAreLeftAlone) {
  RecordingSubmitter submitter;
  auto a = adapter(submitter);
  const std::string content = std::string(kHeader) + row("m-1");
  for (const char* name : {".hidden.csv", "x.csv.tmp", "notes.txt", "x.jsonl", "x.CSV"}) {
    spit(dir_.file(name), content);
  }
  a->poll_once();
  EXPECT_TRUE(submitter.calls().empty());
  EXPECT_EQ(listing(dir_.path()),
            (std::vector<std::string>{".hidden.csv", "done", "failed", "notes.txt", "processing",
                                      "x.CSV", "x.csv.tmp", "x.jsonl"}));
}

TEST_F(FiledropInboundTest, SameNameTwiceKeepsBothFilesAndReports) {
  RecordingSubmitter submitter;
  auto a = adapter(submitter);
  drop("daily.csv", std::string(kHeader) + row("m-1"));
  a->poll_once();
  drop("daily.csv", std::string(kHeader) + row("m-2"));
  a->poll_once();
  EXPECT_EQ(listing(dir_.file("done")),
            (std::vector<std::string>{"daily.1.csv", "daily.1.csv.report.jsonl", "daily.csv",
                                      "daily.csv.report.jsonl"}));
  EXPECT_EQ(report(dir_.file("done/daily.1.csv.report.jsonl"))[0]["id"], "m-2");
}

TEST_F(FiledropInboundTest, JsonlLinesAreSubmittedAsIs) {
  RecordingSubmitter submitter([](const std::string& id, int) {
    SubmitReply r;
    r.status = SubmitReply::Status::accepted;
    if (id.empty()) {
      r = refused("invalid_json");
      r.path = "";
    }
    return r;
  });
  auto a = adapter(submitter, "format: jsonl\n");
  const std::string one = R"({"id":"j-1", "type":"arrest.made","data":{"a":"x,y"}})";
  const std::string two = R"({"id":"j-2","data":{}})";
  drop("batch.jsonl",
       one + "\r\n\n   \n" + two + "\nnot json at all\n{\"id\":\"bad id with spaces\"}");
  a->poll_once();
  const auto calls = submitter.calls();
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[0].body, one);
  EXPECT_EQ(calls[1].body, two);
  EXPECT_EQ(calls[2].body, "not json at all");
  const auto lines = report(dir_.file("failed/batch.jsonl.report.jsonl"));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0]["id"], "j-1");
  EXPECT_EQ(lines[1]["line"], 4);
  EXPECT_EQ(lines[2]["code"], "invalid_json");
  EXPECT_EQ(lines[3]["id"], "");  // not a plausible id: not echoed
}

TEST_F(FiledropInboundTest, PollingThreadWithConcurrentAsyncReplies) {
  RecordingSubmitter submitter;
  submitter.async = true;
  auto a = std::make_unique<FiledropInbound>(settings(std::string(kMapping) + "max_in_flight: 4\n"),
                                             "police.met", submitter);
  ASSERT_TRUE(a->start().ok());
  std::string content = kHeader;
  for (int i = 0; i < 20; ++i) content += row("m-" + std::to_string(i));
  drop("many.csv", content);
  ASSERT_TRUE(testing::wait_until([&] { return fs::exists(dir_.file("done/many.csv")); },
                                  std::chrono::seconds(20)));
  a->stop();
  a->stop();
  EXPECT_EQ(submitter.calls().size(), 20u);
  EXPECT_EQ(report(dir_.file("done/many.csv.report.jsonl")).size(), 20u);
}

TEST_F(FiledropInboundTest, StartNeedsTheDirectory) {
  RecordingSubmitter submitter;
  auto s = settings();
  s.directory = dir_.file("absent");
  FiledropInbound a(s, "police.met", submitter);
  auto st = a.start();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "io");
}

TEST(FiledropInboundFactory, NeedsASubmitterAndValidSettings) {
  AdapterContext c;
  c.agency = "police.met";
  c.settings = YAML::Load("{type: filedrop, directory: /d, format: jsonl}");
  auto no_submitter = make_filedrop_inbound(c);
  ASSERT_FALSE(no_submitter.ok());
  EXPECT_EQ(no_submitter.error().code, "invalid_argument");
  RecordingSubmitter submitter;
  c.submitter = &submitter;
  auto made = make_filedrop_inbound(c);
  ASSERT_TRUE(made.ok()) << made.error().message;
  EXPECT_EQ((*made)->kind(), "filedrop");
  c.settings = YAML::Load("{type: filedrop, directory: /d, format: jsonl, extra: 1}");
  auto bad = make_filedrop_inbound(c);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().path, "1:48");
}

}  // namespace
}  // namespace accord::adapters
