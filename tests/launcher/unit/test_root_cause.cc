// Finding the root cause of a failed attempt (root_cause.h) from records,
// the engine's outcome and unreachable hosts.
#include <gtest/gtest.h>

#include <csignal>

#include "cohortrun/exit_status.h"
#include "cohortrun/root_cause.h"
#include "common/host_slots.h"

namespace cohort::launcher {
namespace {

class RootCauseTest : public ::testing::Test {
 protected:
  RootCauseTest() {
    Options o = parseOptions({"--hosts", "h1:2,h2:2", "--", "x"});
    plan_ = planJob(o, parseHostsOption(o.hosts), mapEnv({}), "h1", 2);
    input_.plan = &plan_;
    input_.records.started = {0, 1, 2, 3};
    input_.engine.exit_code = 1;
  }

  void exitOf(int rank, double time, int code, int signal, bool stopped) {
    ExitRecord r;
    r.rank = rank;
    r.host = plan_.hostOf(rank);
    r.time = time;
    r.exit_code = code;
    r.signal = signal;
    r.stopped = stopped;
    input_.records.exits.push_back(r);
  }

  void errorOf(int rank, double time, const std::string& kind, const std::string& message) {
    ErrorRecord r;
    r.rank = rank;
    r.host = plan_.hostOf(rank);
    r.time = time;
    r.kind = kind;
    r.message = message;
    input_.records.errors.push_back(r);
  }

  JobPlan plan_;
  RootCauseInput input_;
};

TEST_F(RootCauseTest, Success) {
  for (int r = 0; r < 4; ++r) exitOf(r, 10, 0, 0, false);
  input_.engine.exit_code = 0;
  RootCause c = findRootCause(input_);
  EXPECT_EQ(c.status, 0);
  EXPECT_EQ(c.headline, "");
}

TEST_F(RootCauseTest, KilledRankIsTheCauseNotTheRanksStoppedAfterIt) {
  exitOf(0, 12.0, -1, SIGTERM, true);
  exitOf(1, 12.1, -1, SIGTERM, true);
  exitOf(2, 11.0, -1, SIGKILL, false);
  exitOf(3, 12.0, -1, SIGTERM, true);
  RootCause c = findRootCause(input_);
  EXPECT_EQ(c.status, exit_status::kRankKilled);
  EXPECT_EQ(c.rank, 2);
  EXPECT_EQ(c.host, "h2");
  EXPECT_EQ(c.headline, "rank 2 on h2 was killed by signal 9 (SIGKILL)");
  EXPECT_TRUE(c.notes.empty());
}

TEST_F(RootCauseTest, EarliestFailureWinsAndLaterOnesAreNoted) {
  exitOf(3, 20.0, 1, 0, false);
  errorOf(1, 15.0, "exception", "rank 1: data file missing");
  exitOf(1, 15.5, 1, 0, true);  // stopped by MPI_Abort's teardown, after recording its error
  RootCause c = findRootCause(input_);
  EXPECT_EQ(c.status, exit_status::kRankFailed);
  EXPECT_EQ(c.rank, 1);
  EXPECT_EQ(c.headline, "rank 1 on h1 failed with an exception (exit code 1)");
  EXPECT_EQ(c.error, "rank 1: data file missing");
  ASSERT_EQ(c.notes.size(), 1u);
  EXPECT_NE(c.notes[0].find("rank(s) 3 failed after it"), std::string::npos);
}

TEST_F(RootCauseTest, FatalSignalRecordedByTheRuntime) {
  errorOf(0, 5.0, "signal", "fatal signal SIGSEGV (segmentation fault: a bad memory access)");
  exitOf(0, 5.1, -1, SIGSEGV, false);
  RootCause c = findRootCause(input_);
  EXPECT_EQ(c.status, exit_status::kRankKilled);
  EXPECT_EQ(c.headline, "rank 0 on h1 was killed by signal 11 (SIGSEGV)");
  EXPECT_NE(c.error.find("SIGSEGV"), std::string::npos);
}

TEST_F(RootCauseTest, ExitCodeWithoutAnError) {
  exitOf(3, 5.0, 3, 0, false);
  RootCause c = findRootCause(input_);
  EXPECT_EQ(c.status, exit_status::kRankFailed);
  EXPECT_EQ(c.headline, "rank 3 on h2 exited with code 3");
}

TEST_F(RootCauseTest, UnreachableHostIsLost) {
  for (int r = 0; r < 4; ++r) exitOf(r, 10, -1, SIGTERM, true);
  input_.unreachable_hosts = {"h2"};
  RootCause c = findRootCause(input_);
  EXPECT_EQ(c.status, exit_status::kHostLost);
  EXPECT_EQ(c.host, "h2");
  EXPECT_NE(c.headline.find("host h2 (rank(s) 2-3) stopped answering"), std::string::npos);
}

TEST_F(RootCauseTest, HostWhoseRanksAllVanished) {
  exitOf(0, 10, -1, SIGTERM, true);
  exitOf(1, 10, -1, SIGTERM, true);
  RootCause c = findRootCause(input_);
  EXPECT_EQ(c.status, exit_status::kHostLost);
  EXPECT_EQ(c.host, "h2");
  EXPECT_NE(c.headline.find("every rank on host h2 (2-3) vanished"), std::string::npos);
}

TEST_F(RootCauseTest, OneRankVanished) {
  exitOf(0, 10, -1, SIGTERM, true);
  exitOf(1, 10, -1, SIGTERM, true);
  exitOf(2, 10, -1, SIGTERM, true);
  RootCause c = findRootCause(input_);
  EXPECT_EQ(c.status, exit_status::kRankKilled);
  EXPECT_EQ(c.rank, 3);
}

TEST_F(RootCauseTest, LogsNotSharedSaysSo) {
  input_.records.started = {0, 1};
  exitOf(0, 10, -1, SIGTERM, true);
  exitOf(1, 10, -1, SIGTERM, true);
  RootCause c = findRootCause(input_);
  EXPECT_EQ(c.status, exit_status::kEngineFailed);
  EXPECT_EQ(c.headline, "mpirun exited with status 1 and no rank recorded a failure");
  ASSERT_EQ(c.notes.size(), 1u);
  EXPECT_NE(c.notes[0].find("not on a file system that host shares"), std::string::npos);
}

// Issue 30, item 12: rank 1 exits 0 early; mpirun ends the job and the others
// vanish with their agents. Rank 1 is the cause, not "rank(s) 0 vanished".
TEST_F(RootCauseTest, RankThatExitedZeroWhileOthersRanIsTheCause) {
  exitOf(1, 1765000000.5, 0, 0, false);
  exitOf(2, 1765000001.0, -1, SIGTERM, true);
  RootCause c = findRootCause(input_);
  EXPECT_EQ(c.status, exit_status::kRankFailed);
  EXPECT_EQ(c.rank, 1);
  EXPECT_EQ(c.host, "h1");
  EXPECT_EQ(c.headline,
            "rank 1 on h1 exited 0 at 2025-12-06T05:46:40.500Z while rank(s) 0,2-3 were still "
            "running: a rank that leaves before the others makes them wait in a collective");
}

// Its partners' collectives time out (the watchdog's records) before mpirun
// ends them: still the rank that left.
TEST_F(RootCauseTest, CollectiveTimeoutsAfterAnEarlyExitBlameTheRankThatLeft) {
  exitOf(3, 100.0, 0, 0, false);
  errorOf(0, 160.0, "watchdog", "rank 0: allreduce did not complete within 60 s");
  exitOf(0, 160.1, 1, 0, false);
  exitOf(1, 160.2, -1, SIGTERM, true);
  exitOf(2, 160.2, -1, SIGTERM, true);
  RootCause c = findRootCause(input_);
  EXPECT_EQ(c.status, exit_status::kRankFailed);
  EXPECT_EQ(c.rank, 3);
  EXPECT_NE(c.headline.find("rank 3 on h2 exited 0 at "), std::string::npos) << c.headline;
  EXPECT_NE(c.headline.find("while rank(s) 0-2 were still running"), std::string::npos);
}

// A rank that ended cleanly before another failed on its own (an exception, not
// a collective timeout) is not blamed: the exception is the cause.
TEST_F(RootCauseTest, CleanExitBeforeAnExceptionIsNotBlamed) {
  for (int r = 1; r < 4; ++r) exitOf(r, 100.0, 0, 0, false);
  errorOf(0, 101.0, "exception", "rank 0: cannot save the model");
  exitOf(0, 101.1, 1, 0, false);
  RootCause c = findRootCause(input_);
  EXPECT_EQ(c.rank, 0);
  EXPECT_EQ(c.headline, "rank 0 on h1 failed with an exception (exit code 1)");
}

// Ranks that all exited 0 while the engine failed: no rank left early.
TEST_F(RootCauseTest, RanksThatAllFinishedAreNotEarly) {
  for (int r = 0; r < 4; ++r) exitOf(r, 100.0 + r, 0, 0, false);
  RootCause c = findRootCause(input_);
  EXPECT_EQ(c.status, exit_status::kEngineFailed);
  EXPECT_EQ(c.rank, -1);
}

// Issue 30, item 15: on a full disk missing exit records are not a vanished
// host; the logs folder is named instead.
TEST_F(RootCauseTest, MissingRecordsOnAFullDiskBlameNoOne) {
  exitOf(0, 10, 0, 0, false);
  input_.logs_problem = "cannot write /l/exit-rank-1.json: No space left on device";
  RootCause c = findRootCause(input_);
  EXPECT_EQ(c.status, exit_status::kEngineFailed);
  EXPECT_EQ(c.rank, -1);
  EXPECT_EQ(c.headline, "mpirun exited with status 1 and no rank recorded a failure");
  ASSERT_EQ(c.notes.size(), 1u);
  EXPECT_NE(c.notes[0].find("the logs folder cannot be written (cannot write "
                            "/l/exit-rank-1.json: No space left on device)"),
            std::string::npos);
}

TEST_F(RootCauseTest, InterruptAndTimeoutComeFirst) {
  exitOf(2, 11.0, -1, SIGKILL, false);
  input_.engine.interrupted_by = SIGINT;
  EXPECT_EQ(findRootCause(input_).status, 130);
  input_.engine.interrupted_by = 0;
  input_.engine.timed_out = true;
  RootCause c = findRootCause(input_);
  EXPECT_EQ(c.status, exit_status::kTimedOut);
  EXPECT_NE(c.headline.find("--timeout"), std::string::npos);
}

TEST(RankRanges, Compresses) {
  EXPECT_EQ(rankRanges({5, 0, 1, 2, 7, 8}), "0-2,5,7-8");
  EXPECT_EQ(rankRanges({}), "");
  EXPECT_EQ(signalName(SIGKILL), "SIGKILL");
  EXPECT_EQ(signalName(63), "signal 63");
}

}  // namespace
}  // namespace cohort::launcher
