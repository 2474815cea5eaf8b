// JSON out and in (json_writer.h, json_reader.h), rank records
// (rank_records.h), and the logs folder between runs and attempts (log_folder.h).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>

#include "cohort/core/json_writer.h"
#include "json_reader.h"
#include "log_folder.h"
#include "posix_io.h"
#include "rank_records.h"

namespace cohort::launcher {
namespace {

TEST(Json, WriterOutputReadsBack) {
  JsonWriter w;
  w.beginObject();
  w.key("text").value("quote \" backslash \\ newline \n tab \t bell \a é");
  w.key("number").value(1714567890.125);
  w.key("int").value(-3);
  w.key("flag").value(true);
  w.key("nothing").null();
  w.key("list").value(std::vector<std::string>{"a", "b"});
  w.key("empty").beginArray().endArray();
  w.endObject();
  auto v = parseJson(w.text());
  ASSERT_TRUE(v);
  EXPECT_EQ(v->getString("text"), "quote \" backslash \\ newline \n tab \t bell \a é");
  EXPECT_EQ(v->getNumber("number", 0), 1714567890.125);
  EXPECT_EQ(v->getNumber("int", 0), -3);
  EXPECT_TRUE(v->getBool("flag", false));
  EXPECT_EQ(v->get("nothing")->type, JsonValue::Type::kNull);
  EXPECT_EQ(v->get("list")->array.size(), 2u);
  EXPECT_TRUE(v->get("empty")->array.empty());
}

TEST(Json, InvalidUtf8IsReplacedNotPassedOn) {
  EXPECT_EQ(jsonQuote(std::string("a\xff") + "b"), "\"a\\ufffdb\"");
  EXPECT_EQ(jsonQuote("\x01"), "\"\\u0001\"");
}

TEST(Json, ReaderRejectsMalformedText) {
  std::string error;
  for (const char* bad : {"", "{", "{\"a\" 1}", "[1,]", "{\"a\":1}x", "\"open", "nul", "{\"a\":-}"}) {
    EXPECT_FALSE(parseJson(bad, &error)) << bad;
  }
  EXPECT_FALSE(parseJson("[1, 2", &error));
  EXPECT_NE(error.find("at byte"), std::string::npos);
  auto escaped = parseJson(R"("\u00e9\ud83d\ude00")");
  ASSERT_TRUE(escaped);
  EXPECT_EQ(escaped->string, "é😀");
}

class LogsFolder : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/cohortrun_unit_XXXXXX";
    dir_ = mkdtemp(pattern);
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ + "/" + name) << text; }
  bool exists(const std::string& name) {
    struct stat info {};
    return stat((dir_ + "/" + name).c_str(), &info) == 0;
  }
  std::string dir_;
};

TEST_F(LogsFolder, RecordsOfOtherRunsAndAttemptsAreIgnored) {
  ExitRecord mine{1, "h", 10, 5.0, -1, 9, false, "run-a", 1};
  write(exitRecordName(1), exitRecordJson(mine));
  write(exitRecordName(2), exitRecordJson({2, "h", 11, 5.0, 0, 0, false, "run-a", 0}));
  write(exitRecordName(3), exitRecordJson({3, "h", 12, 5.0, 0, 0, false, "run-b", 1}));
  write("error-rank-1.json", R"({"rank":1,"host":"h","pid":10,"time":4.5,"kind":"exception",)"
                             R"("message":"boom","run_id":"run-a","restart":1})");
  write("error-rank-4.json", "{ not json");
  write(rankLogName(1), "");
  write("rank-x.log", "");
  RankRecords r = readRankRecords(dir_, "run-a", 1);
  ASSERT_EQ(r.exits.size(), 1u);
  EXPECT_EQ(r.exits[0].rank, 1);
  EXPECT_EQ(r.exits[0].signal, 9);
  EXPECT_TRUE(r.exits[0].failed());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].message, "boom");
  EXPECT_EQ(r.started, std::vector<int>{1});
}

TEST_F(LogsFolder, AttemptsMoveAsideAndEarlierRunsToo) {
  write("run.json", R"({"run_id": "old-run"})");
  write("launcher.log", "x");
  write(rankLogName(0), "old");
  write("metrics.jsonl", "the trainer's own");
  EXPECT_EQ(archivePreviousRun(dir_, "old-run"), "") << "its own run is left alone";
  EXPECT_EQ(archivePreviousRun(dir_, "new-run"), dir_ + "/previous/old-run");
  EXPECT_TRUE(exists("previous/old-run/run.json"));
  EXPECT_TRUE(exists("previous/old-run/rank-0.log"));
  EXPECT_FALSE(exists("rank-0.log"));
  EXPECT_TRUE(exists("metrics.jsonl")) << "files cohortrun did not write stay";

  write(rankLogName(0), "attempt 0");
  write(exitRecordName(0), "{}");
  write("launcher.log", "kept across attempts");
  EXPECT_EQ(archiveAttempt(dir_, 0), dir_ + "/attempt-0");
  EXPECT_TRUE(exists("attempt-0/rank-0.log"));
  EXPECT_TRUE(exists("attempt-0/exit-rank-0.json"));
  EXPECT_TRUE(exists("launcher.log"));
  EXPECT_EQ(lastLines(dir_ + "/attempt-0/rank-0.log", 5), std::vector<std::string>{"attempt 0"});
}

}  // namespace
}  // namespace cohort::launcher
