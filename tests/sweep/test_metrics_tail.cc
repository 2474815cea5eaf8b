// Following a trial's metrics.jsonl (metrics_tail.h) whatever the trial
// does to it (issue 30, items 1, 4 and 5): Python's NaN tokens are points,
// a FIFO or a device is never opened for reading and is reported, a line
// without a newline is never held beyond 1 MiB, and a line split across
// polls is read once whole.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "sweep/metrics_tail.h"

namespace cohort::sweep_tool {
namespace {

namespace fs = std::filesystem;

class MetricsTailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/cohort_metrics_tail.XXXXXX";
    ASSERT_NE(::mkdtemp(name), nullptr);
    dir_ = name;
    path_ = dir_ + "/metrics.jsonl";
  }
  void TearDown() override { fs::remove_all(dir_); }
  void append(const std::string& text) {
    std::ofstream out(path_, std::ios::app | std::ios::binary);
    out << text;
  }
  std::string dir_, path_;
};

TEST_F(MetricsTailTest, ReadsNonFiniteTokensAsPoints) {
  MetricsTail tail(path_, "acc");
  append(
      "{\"step\": 1, \"acc\": 0.5}\n{\"step\": 2, \"acc\": NaN}\n{\"step\": 3, \"acc\": "
      "Infinity}\n");
  const auto points = tail.poll();
  ASSERT_EQ(points.size(), 3u);
  EXPECT_DOUBLE_EQ(points[0].value, 0.5);
  EXPECT_TRUE(std::isnan(points[1].value));
  EXPECT_TRUE(std::isinf(points[2].value));
  EXPECT_EQ(tail.skippedLines(), 0);
}

TEST_F(MetricsTailTest, ALineSplitAcrossPollsIsReadOnceWhole) {
  MetricsTail tail(path_, "acc");
  append("{\"step\": 1, \"ac");
  EXPECT_TRUE(tail.poll().empty());
  append("c\": 0.25}\n{\"step\"");
  auto points = tail.poll();
  ASSERT_EQ(points.size(), 1u);
  EXPECT_DOUBLE_EQ(points[0].value, 0.25);
  append(": 2, \"acc\": 0.5}\n");
  points = tail.poll();
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].step, 2);
}

TEST_F(MetricsTailTest, AFifoIsReportedWithoutBlocking) {
  ASSERT_EQ(::mkfifo(path_.c_str(), 0644), 0);
  MetricsTail tail(path_, "acc");
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(tail.poll().empty());  // open() of a FIFO without a writer would block here
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_NE(tail.problem().find("is a named pipe (FIFO), not a regular file"), std::string::npos)
      << tail.problem();
}

TEST_F(MetricsTailTest, ASymlinkToDevZeroIsReportedAndNeverRead) {
  fs::create_symlink("/dev/zero", path_);
  MetricsTail tail(path_, "acc");
  EXPECT_TRUE(tail.poll().empty());
  EXPECT_NE(tail.problem().find("is a character device"), std::string::npos) << tail.problem();
}

TEST_F(MetricsTailTest, AnOverlongLineIsSkippedAndNeverHeldWhole) {
  MetricsTail tail(path_, "acc");
  // 20 MiB without a newline: more than two polls' worth, and 20 lines' limit.
  const std::string chunk(1 << 20, 'x');
  for (int i = 0; i < 20; ++i) append(chunk);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(tail.poll().empty());
  EXPECT_EQ(tail.skippedLines(), 1);
  EXPECT_NE(tail.lastSkip().find("longer than 1048576 bytes"), std::string::npos)
      << tail.lastSkip();
  append("tail of the long line\n{\"step\": 7, \"acc\": 0.75}\n");
  const auto points = tail.poll();
  ASSERT_EQ(points.size(), 1u);  // the rest of the long line is dropped, the next one read
  EXPECT_EQ(points[0].step, 7);
  EXPECT_EQ(tail.skippedLines(), 1);
}

TEST_F(MetricsTailTest, SkipToEndPassesWhatIsThere) {
  const std::string line = "{\"step\": 1, \"acc\": 0.5}\n";
  std::string many;
  while (many.size() < (9u << 20)) many += line;  // more than one poll reads
  append(many);
  MetricsTail tail(path_, "acc");
  tail.skipToEnd();
  append("{\"step\": 2, \"acc\": 0.75}\n");
  const auto points = tail.poll();
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].step, 2);
}

}  // namespace
}  // namespace cohort::sweep_tool
