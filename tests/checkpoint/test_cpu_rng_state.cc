// The CPU generator's state, as a checkpoint saves and resume restores it
// (checkpoint/cpu_rng_state.h): restoring a state replays the draws made
// after it, and the state is a copy, not a view of the live generator.
#include <ATen/ops/randn.h>
#include <gtest/gtest.h>
#include <torch/utils.h>

#include "cohort/checkpoint/cpu_rng_state.h"

namespace cohort::checkpoint {
namespace {

TEST(CpuRngState, RestoringAStateReplaysTheDrawsAfterIt) {
  torch::manual_seed(17);
  at::randn({5});
  const at::Tensor saved = cpuRngState();
  const at::Tensor first = at::randn({64});
  const at::Tensor second = at::randn({64});
  EXPECT_FALSE(first.equal(second));
  setCpuRngState(saved);
  EXPECT_TRUE(at::randn({64}).equal(first));
  EXPECT_TRUE(at::randn({64}).equal(second));
}

TEST(CpuRngState, TheStateIsACopy) {
  torch::manual_seed(3);
  const at::Tensor saved = cpuRngState();
  const at::Tensor before = saved.clone();
  at::randn({100});
  EXPECT_TRUE(saved.equal(before)) << "drawing changed a saved state";
  EXPECT_FALSE(cpuRngState().equal(saved)) << "drawing did not move the generator";
}

}  // namespace
}  // namespace cohort::checkpoint
