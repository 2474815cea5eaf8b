// Which checkpoints the Checkpointer keeps (retention.h): the newest
// keep_last plus the best by a metric, whichever way "best" points; `latest`
// names the newest; keep_last 0 keeps every one.
#include <gtest/gtest.h>

#include <fstream>

#include "checkpoint_test_util.h"
#include "cohort/checkpoint/checkpoint_folder.h"
#include "cohort/checkpoint/checkpointer.h"
#include "cohort/checkpoint/module_state.h"
#include "cohort/world/runtime.h"

namespace cohort::test {
namespace {

using checkpoint::Checkpointer;
using checkpoint::CheckpointPolicy;
using checkpoint::TrainState;

// Saves steps 1..6 reporting `accuracy` (step -> value) and returns the steps
// left on disk, newest first, as every rank sees them.
std::vector<int64_t> saveSixAndList(const fs::path& checkpoints, const CheckpointPolicy& policy) {
  Runtime& rt = *current();
  const std::map<int64_t, double> accuracy = {{1, 0.5}, {2, 0.9},  {3, 0.6},
                                              {4, 0.7}, {5, 0.65}, {6, 0.4}};
  SmallNet net;
  TrainState state;
  state.model = checkpoint::moduleState(net);
  {
    Checkpointer ckpt(rt, checkpoints.string(), policy);
    for (const auto& [step, value] : accuracy) {
      state.step = step;
      state.metrics = {{"accuracy", value}, {"loss", 1 - value}};
      ckpt.save(state);
    }
    ckpt.wait();
  }
  rt.comm().barrier();  // rank 0's writes are done before anyone looks
  std::vector<int64_t> steps;
  for (const auto& c : checkpoint::listCheckpoints(checkpoints)) steps.push_back(c.step);
  return steps;
}

class Retention : public ::testing::TestWithParam<bool> {};

TEST_P(Retention, KeepsTheLastTwoAndTheBest) {
  SharedTempDir dir(current()->comm());
  CheckpointPolicy policy;
  policy.async = GetParam();
  policy.retention.keep_last = 2;
  policy.retention.best_metric = "accuracy";
  const fs::path checkpoints = dir.path() / "checkpoints";
  EXPECT_EQ(saveSixAndList(checkpoints, policy), (std::vector<int64_t>{6, 5, 2}));
  EXPECT_EQ(readLatest(checkpoints), "step-00000006");
  for (const auto& entry : fs::directory_iterator(checkpoints)) {
    EXPECT_NE(entry.path().filename().string()[0], '.') << "left behind: " << entry.path();
  }
}

TEST_P(Retention, LowerIsBetterPicksTheLowestLoss) {
  SharedTempDir dir(current()->comm());
  CheckpointPolicy policy;
  policy.async = GetParam();
  policy.retention.keep_last = 1;
  policy.retention.best_metric = "loss";
  policy.retention.higher_is_better = false;
  EXPECT_EQ(saveSixAndList(dir.path() / "checkpoints", policy), (std::vector<int64_t>{6, 2}));
}

TEST_P(Retention, KeepLastZeroKeepsEverything) {
  SharedTempDir dir(current()->comm());
  CheckpointPolicy policy;
  policy.async = GetParam();
  policy.retention.keep_last = 0;
  EXPECT_EQ(saveSixAndList(dir.path() / "checkpoints", policy),
            (std::vector<int64_t>{6, 5, 4, 3, 2, 1}));
}

INSTANTIATE_TEST_SUITE_P(Modes, Retention, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "Async" : "Sync"; });

}  // namespace
}  // namespace cohort::test
