// Line cutting (line_buffer.h), the choice of network (network_choice.h),
// rank sets (rank_set.h) and the failure report (failure_report.h).
#include <gtest/gtest.h>

#include "cohort/core/error.h"
#include "cohortrun/failure_report.h"
#include "cohortrun/network_choice.h"
#include "cohortrun/rank_set.h"
#include "common/line_buffer.h"

namespace cohort::launcher {
namespace {

TEST(LineBuffer, CutsLinesAcrossChunks) {
  std::vector<std::string> lines;
  auto emit = [&](const std::string& l) { lines.push_back(l); };
  LineBuffer b;
  b.append("ab", 2, emit);
  b.append("c\r\nde\n\nf", 8, emit);
  EXPECT_EQ(lines, (std::vector<std::string>{"abc", "de", ""}));
  b.finish(emit);
  EXPECT_EQ(lines.back(), "f");
  std::string huge(LineBuffer::kMaxLine + 10, 'x');
  lines.clear();
  b.append(huge.data(), huge.size(), emit);
  EXPECT_EQ(lines.size(), 1u) << "a line without end is passed on in pieces";
}

uint32_t ip(int a, int b, int c, int d) {
  return static_cast<uint32_t>(a) << 24 | static_cast<uint32_t>(b) << 16 |
         static_cast<uint32_t>(c) << 8 | static_cast<uint32_t>(d);
}

TEST(NetworkChoice, TheNetworkHoldingEveryHost) {
  std::vector<LocalNetwork> nets = {{"docker0", ip(172, 17, 0, 1), 16},
                                    {"eth0", ip(10, 200, 0, 1), 24}};
  EXPECT_EQ(chooseNetwork(nets, {ip(10, 200, 0, 1), ip(10, 200, 0, 2), ip(127, 0, 0, 1)}),
            "10.200.0.0/24");
  EXPECT_EQ(chooseNetwork(nets, {ip(10, 200, 0, 2), ip(10, 201, 0, 2)}), "") << "no one network";
  EXPECT_EQ(chooseNetwork(nets, {ip(127, 0, 0, 1)}), "") << "only this machine";
  EXPECT_EQ(formatIpv4(ip(192, 168, 1, 20)), "192.168.1.20");
}

TEST(RankSet, FormsAndText) {
  EXPECT_TRUE(RankSet::parse("all", "x").contains(99));
  EXPECT_FALSE(RankSet::parse("none", "x").contains(0));
  RankSet s = RankSet::parse("3,0-1", "x");
  EXPECT_TRUE(s.contains(1));
  EXPECT_FALSE(s.contains(2));
  EXPECT_EQ(s.highest(), 3);
  EXPECT_EQ(s.text(), "3,0-1");
  EXPECT_THROW(RankSet::parse("2-1", "--console-ranks"), ConfigError);
  EXPECT_THROW(RankSet::parse("", "--console-ranks"), ConfigError);
}

TEST(FailureReport, SaysWhatWhereAndShowsTheLog) {
  RootCause cause;
  cause.status = 3;
  cause.headline = "rank 1 on h2 was killed by signal 9 (SIGKILL)";
  cause.error = "first line\nsecond line";
  cause.notes = {"rank(s) 0 failed after it (probably as a consequence)"};
  ReportContext c;
  c.restart = 0;
  c.max_restarts = 2;
  c.seconds = 4.26;
  c.engine_summary = "mpirun exited with status 137";
  c.log_path = "/logs/rank-1.log";
  c.log_tail = {"step 10", "step 11"};
  std::string r = formatFailureReport(cause, c);
  EXPECT_NE(r.find("the job failed (attempt 1 of 3, after 4.3 s; exit status 3)"),
            std::string::npos)
      << r;
  EXPECT_NE(r.find("root cause: rank 1 on h2 was killed by signal 9 (SIGKILL)"), std::string::npos);
  EXPECT_NE(r.find("its error:  first line\n              second line"), std::string::npos) << r;
  EXPECT_NE(r.find("log:        /logs/rank-1.log, last lines:\n    | step 10\n    | step 11\n"),
            std::string::npos);
}

}  // namespace
}  // namespace cohort::launcher
