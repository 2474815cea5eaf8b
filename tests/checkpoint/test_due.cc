// Checkpointer::due(): every N steps, every S seconds (rank 0's clock is
// enough: the ranks agree), and at once on every rank when one rank was sent
// SIGTERM (see stop_request.h), which then no longer ends the process.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "checkpoint_test_util.h"
#include "cohort/checkpoint/checkpointer.h"
#include "cohort/core/stop_request.h"
#include "cohort/world/runtime.h"

namespace cohort::test {
namespace {

using checkpoint::Checkpointer;
using checkpoint::CheckpointPolicy;

TEST(Due, EveryStepsPicksTheMultiples) {
  Runtime& rt = *current();
  SharedTempDir dir(rt.comm());
  CheckpointPolicy policy;
  policy.every_steps = 3;
  Checkpointer ckpt(rt, (dir.path() / "checkpoints").string(), policy);
  std::vector<int64_t> due;
  for (int64_t step = 1; step <= 10; ++step) {
    if (ckpt.due(step)) due.push_back(step);
  }
  EXPECT_EQ(due, (std::vector<int64_t>{3, 6, 9}));
  EXPECT_FALSE(ckpt.stopRequested());

  CheckpointPolicy never;
  Checkpointer idle(rt, (dir.path() / "idle").string(), never);
  for (int64_t step = 1; step <= 10; ++step) EXPECT_FALSE(idle.due(step)) << step;
}

TEST(Due, EverySecondsOnOneRankIsDueOnAll) {
  Runtime& rt = *current();
  SharedTempDir dir(rt.comm());
  CheckpointPolicy policy;
  policy.every_seconds = rt.rank() == 0 ? 0.01 : 1e9;
  Checkpointer ckpt(rt, (dir.path() / "checkpoints").string(), policy);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(ckpt.due(1));
  EXPECT_FALSE(ckpt.stopRequested());
}

// The SIGTERM disposition now (the handler or SIG_DFL).
void* termHandler() {
  struct sigaction now {};
  sigaction(SIGTERM, nullptr, &now);
  return reinterpret_cast<void*>(now.sa_handler);
}

TEST(Due, SigtermOnRankZeroStopsEveryRank) {
  Runtime& rt = *current();
  SharedTempDir dir(rt.comm());
  void* before = termHandler();
  {
    CheckpointPolicy policy;  // never due by the policy
    Checkpointer ckpt(rt, (dir.path() / "checkpoints").string(), policy);
    EXPECT_FALSE(ckpt.due(1));
    EXPECT_FALSE(ckpt.stopRequested());
    if (rt.rank() == 0) {
      ASSERT_EQ(raise(SIGTERM), 0);  // the guard's handler only sets the flag
      EXPECT_TRUE(stopRequested());
    } else {
      EXPECT_FALSE(stopRequested());
    }
    EXPECT_TRUE(ckpt.due(2)) << "a stop request makes a checkpoint due on every rank";
    EXPECT_TRUE(ckpt.stopRequested());
    EXPECT_TRUE(ckpt.due(3)) << "and keeps it due";
  }
  EXPECT_EQ(termHandler(), before) << "the Checkpointer's end puts the previous handler back";

  // A new Checkpointer starts with no stop request.
  Checkpointer again(rt, (dir.path() / "checkpoints").string(), CheckpointPolicy{});
  EXPECT_FALSE(stopRequested());
  EXPECT_FALSE(again.due(1));
  EXPECT_FALSE(again.stopRequested());
}

}  // namespace
}  // namespace cohort::test
