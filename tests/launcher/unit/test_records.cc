// The records ranks and agents leave (cohort/core/error_record.h,
// rank_records.h) written and read back, run.json, and the logs folder
// between runs and attempts (log_folder.h).
#include <dirent.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "cohort/core/error.h"
#include "cohort/core/error_record.h"
#include "cohortrun/log_folder.h"
#include "cohortrun/rank_records.h"
#include "cohortrun/run_record.h"
#include "common/posix_io.h"

namespace cohort::launcher {
namespace {

TEST(Records, ErrorRecordReadsBackWhateverItsMessageHolds) {
  ErrorRecord r;
  r.rank = 3;
  r.host = "node7";
  r.pid = 4242;
  r.time = 1714567890.125;
  r.kind = "exception";
  r.message = std::string("quote \" backslash \\ newline \n bell \a \x01 é cut \xff here");
  r.run_id = "run-a";
  r.restart = 2;
  const std::string text = r.toJson();
  ASSERT_TRUE(nlohmann::json::accept(text)) << text;
  EXPECT_NE(text.find("\"kind\": \"exception\""), std::string::npos) << "what the shell tests grep";
  auto back = ErrorRecord::fromJson(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->rank, 3);
  EXPECT_EQ(back->host, "node7");
  EXPECT_EQ(back->pid, 4242);
  EXPECT_EQ(back->time, 1714567890.125);
  EXPECT_EQ(back->kind, "exception");
  EXPECT_EQ(back->message, "quote \" backslash \\ newline \n bell \a \x01 é cut \uFFFD here")
      << "the byte that is not UTF-8 becomes U+FFFD, the rest is kept";
  EXPECT_EQ(back->run_id, "run-a");
  EXPECT_EQ(back->restart, 2);
}

TEST(Records, MalformedRecordsAreIgnored) {
  for (const char* bad : {"", "{", "[1, 2]", "3", "{\"rank\": 1}", "{\"kind\": \"signal\"} x"}) {
    EXPECT_FALSE(ErrorRecord::fromJson(bad)) << bad;
  }
  for (const char* bad : {"", "{ not json", "[]", "{\"kind\": \"exit\"}"}) {
    EXPECT_FALSE(parseExitRecord(bad)) << bad;
  }
  auto typed = ErrorRecord::fromJson(R"({"kind": "watchdog", "rank": "one", "message": 5})");
  ASSERT_TRUE(typed) << "a field of another type falls back to its default";
  EXPECT_EQ(typed->rank, -1);
  EXPECT_EQ(typed->message, "");
}

TEST(Records, ExitRecordRoundTrip) {
  ExitRecord killed{1, "h", 10, 5.5, -1, 9, true, "run-a", 1};
  auto back = parseExitRecord(exitRecordJson(killed));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->signal, 9);
  EXPECT_EQ(back->exit_code, -1) << "a record with a signal has no exit code";
  EXPECT_TRUE(back->stopped);
  EXPECT_EQ(back->time, 5.5);
  EXPECT_NE(exitRecordJson(killed).find("\"signal\": 9"), std::string::npos);
  ExitRecord exited{2, "h", 11, 6.0, 3, 0, false, "run-a", 0};
  EXPECT_NE(exitRecordJson(exited).find("\"exit_code\": 3"), std::string::npos);
  EXPECT_EQ(parseExitRecord(exitRecordJson(exited))->exit_code, 3);
}

TEST(Records, RunRecordIsValidJsonWithInvalidUtf8InItsCommand) {
  RunRecord r;
  r.run_id = "run-a";
  r.command = {"cohortrun", "--", std::string("./train\xc3")};
  JobPlan plan;
  plan.hosts = {{"h1", 0, 2}};
  recordPlan(plan, &r);
  r.start = 1714567890.5;
  r.attempts.push_back(
      {0, 1714567890.5, 0, 1, "rank 1 on h1 exited with code 1", 1, "h1", "/logs"});
  r.versions = {{"cohort", "1.0"}};
  const auto doc = nlohmann::json::parse(r.toJson());
  EXPECT_EQ(doc["state"], "running");
  EXPECT_TRUE(doc["exit_status"].is_null());
  EXPECT_TRUE(doc["end_time"].is_null());
  EXPECT_EQ(doc["start_time"], "2024-05-01T12:51:30.500Z");
  EXPECT_EQ(doc["command"][2], "./train\uFFFD");
  EXPECT_EQ(doc["hosts"][0]["ranks"], 2);
  EXPECT_EQ(doc["attempts"][0]["rank"], 1);
  EXPECT_EQ(doc["versions"]["cohort"], "1.0");
  EXPECT_EQ(doc["restarts"], 0);
}

// The fatal-signal handler writes the record prepared in advance; the
// launcher reads it with the same ErrorRecord. In a child, since a process
// writes only its first record.
TEST(Records, FatalSignalRecordReadsBack) {
  char pattern[] = "/tmp/cohortrun_unit_XXXXXX";
  const std::string dir = mkdtemp(pattern);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    setErrorRecordSite({dir, 5, "run-\"s\"", 1});
    armFatalSignalRecords();
    raise(SIGBUS);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS) << "the signal is handed on";
  const std::string text = readWholeFile(dir + "/error-rank-5.json");
  ASSERT_TRUE(nlohmann::json::accept(text)) << text;
  auto r = ErrorRecord::fromJson(text);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, "signal");
  EXPECT_EQ(r->rank, 5);
  EXPECT_EQ(r->pid, child);
  EXPECT_EQ(r->run_id, "run-\"s\"");
  EXPECT_EQ(r->restart, 1);
  EXPECT_NE(r->message.find("SIGBUS"), std::string::npos);
  EXPECT_GT(r->time, unixNow() - 60);
  EXPECT_LE(r->time, unixNow());
  std::system(("rm -rf '" + dir + "'").c_str());
}

// Runs `body` in a child whose files cannot grow past `limit_bytes` (as on a
// full disk, a write fails: EFBIG); the child's exit status, or -1.
int withFileSizeLimit(rlim_t limit_bytes, const std::function<int()>& body) {
  const pid_t child = fork();
  if (child == 0) {
    signal(SIGXFSZ, SIG_IGN);
    rlimit limit{limit_bytes, limit_bytes};
    setrlimit(RLIMIT_FSIZE, &limit);
    _exit(body());
  }
  int status = 0;
  if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

// The names in `dir`, but "." and "..".
std::vector<std::string> namesIn(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      if (std::string(e->d_name) != "." && std::string(e->d_name) != "..")
        names.push_back(e->d_name);
    }
    closedir(d);
  }
  return names;
}

class LogsFolder : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/cohortrun_unit_XXXXXX";
    dir_ = mkdtemp(pattern);
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
  }
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
  RunRecord old;
  old.run_id = "old-run";
  write("run.json", old.toJson());
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

// Issue 30, item 15: a full logs disk left run.json.tmp.PID behind.
TEST_F(LogsFolder, WriteThatFailsLeavesNoTemporaryFile) {
  const std::string path = dir_ + "/run.json";
  const int status = withFileSizeLimit(100, [&] {
    try {
      writeFileAtomically(path, std::string(4096, 'x'));
    } catch (const Error& e) {
      const std::string what = e.what();
      return what.find("cannot write " + path + ": File too large") != std::string::npos ? 0 : 2;
    }
    return 1;
  });
  EXPECT_EQ(status, 0) << "1: no error; 2: the error does not name the file and the reason";
  EXPECT_EQ(namesIn(dir_), std::vector<std::string>{}) << "debris of the failed write";
}

// Issue 30, item 15: the runtime's error record on a full disk was left empty.
TEST_F(LogsFolder, ErrorRecordThatCannotBeWrittenWholeIsRemoved) {
  EXPECT_EQ(withFileSizeLimit(16,
                              [&] {
                                setErrorRecordSite({dir_, 3, "run-a", 0});
                                writeErrorRecord("exception", "the disk is full");
                                return 0;
                              }),
            0);
  EXPECT_EQ(withFileSizeLimit(16,
                              [&] {
                                setErrorRecordSite({dir_, 4, "run-a", 0});
                                armFatalSignalRecords();
                                raise(SIGBUS);
                                return 0;
                              }),
            -1)
      << "the signal is handed on";
  EXPECT_EQ(namesIn(dir_), std::vector<std::string>{}) << "an empty or cut error record";
}

TEST_F(LogsFolder, WriteProblemIsFoundAndLeavesNothing) {
  EXPECT_EQ(logsWriteProblem(dir_), "");
  EXPECT_EQ(withFileSizeLimit(100,
                              [&] {
                                const std::string why = logsWriteProblem(dir_);
                                return why.find("File too large") != std::string::npos ? 0 : 1;
                              }),
            0);
  EXPECT_EQ(namesIn(dir_), std::vector<std::string>{});
}

// Issue 30, item 17: a refused --outputs left the logs folder it had made.
TEST_F(LogsFolder, FoldersMadeAreTheOnesRemovedAndAFailureLeavesNone) {
  EXPECT_EQ(makeDirectories(dir_ + "/a/b"), (std::vector<std::string>{dir_ + "/a", dir_ + "/a/b"}));
  EXPECT_EQ(makeDirectories(dir_ + "/a/b"), std::vector<std::string>{});
  EXPECT_THROW(makeDirectories(dir_ + "/n/" + std::string(300, 'x')), ConfigError);
  EXPECT_FALSE(exists("n")) << "the failure left the folder it had made";
  removeFolders({dir_ + "/a", dir_ + "/a/b"});
  EXPECT_EQ(namesIn(dir_), std::vector<std::string>{});
}

}  // namespace
}  // namespace cohort::launcher
