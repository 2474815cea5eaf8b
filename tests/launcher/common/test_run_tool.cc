// A tool's main (run_tool.h, See Note [A tool's main]): the body's status, and
// every failure printed as "TOOL: error: ..." with the tool's status for it.
#include <gtest/gtest.h>

#include <stdexcept>

#include "cohort/core/error.h"
#include "common/run_tool.h"

namespace cohort::cli {
namespace {

struct Ended {
  int status;
  std::string err;
};

Ended run(ToolExits exits, const std::function<int()>& body) {
  testing::internal::CaptureStderr();
  const int status = runTool("cohort-test", exits, body);
  return {status, testing::internal::GetCapturedStderr()};
}

TEST(RunTool, TheBodysOwnStatus) {
  EXPECT_EQ(run({2, 1}, [] { return 0; }).status, 0);
  const Ended e = run({2, 1}, [] { return 7; });
  EXPECT_EQ(e.status, 7);
  EXPECT_EQ(e.err, "");
}

TEST(RunTool, AConfigErrorSaysWhatAndWhatToDo) {
  const Ended e = run({2, 1}, []() -> int {
    throw ConfigError("--nodes 'x' is not a whole number", "write e.g. --nodes 2");
  });
  EXPECT_EQ(e.status, 2);
  EXPECT_EQ(e.err,
            "cohort-test: error: --nodes 'x' is not a whole number\n"
            "  what to do: write e.g. --nodes 2\n");
}

TEST(RunTool, EachToolChoosesItsStatuses) {
  auto data = []() -> int { throw DataError("shard-00001.h5 is truncated", "repack it"); };
  EXPECT_EQ(run({2, 1}, data).status, 1);
  EXPECT_EQ(run({2, 2}, data).status, 2);  // cohortrun, cohort-upload: refused before the start
  auto config = []() -> int { throw ConfigError("bad", "fix it"); };
  EXPECT_EQ(run({5, 1}, config).status, 5);
}

TEST(RunTool, AnyOtherExceptionToo) {
  const Ended e = run({2, 3}, []() -> int { throw std::runtime_error("out of range"); });
  EXPECT_EQ(e.status, 3);
  EXPECT_EQ(e.err, "cohort-test: error: out of range\n");
}

}  // namespace
}  // namespace cohort::cli
