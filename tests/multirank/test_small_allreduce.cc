// Small allreduces of ordinary tensors on one machine (Note [Small
// allreduces]): which sizes take the shared-memory path, results on every
// rank, back-to-back calls with ranks out of step (the two scratch slots), and
// a size mismatch between ranks, which must be an error and not a hang.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "cohort/cohort.h"
#include "collective_data.h"

namespace cohort {
namespace {
using namespace cohort::testing;  // NOLINT: the shared test data helpers

TEST(SmallAllreduce, SizesUpTo64KiBTakeSharedMemoryAndLargerOnesMpi) {
  for (int64_t numel : {int64_t{1}, int64_t{1000}, int64_t{16384}, int64_t{16385}}) {
    at::Tensor t = rankData(rank(), numel, at::kFloat);
    const uint64_t before = shmCount();
    comm().allreduce(t, ReduceOp::kSum);
    EXPECT_TRUE(sameValues(t, expectedReduce(ReduceOp::kSum, numel, at::kFloat))) << numel;
    const bool small = numel * 4 <= (64 << 10);
    EXPECT_EQ(shmCount() - before, expectShm() && small ? 1u : 0u) << numel << " elements";
  }
}

TEST(SmallAllreduce, EveryOpAndBothDtypesInAndOutOfPlace) {
  for (c10::ScalarType dtype : {at::kFloat, at::kDouble}) {
    for (ReduceOp op : {ReduceOp::kSum, ReduceOp::kAvg, ReduceOp::kMin, ReduceOp::kMax}) {
      const at::Tensor input = rankData(rank(), 777, dtype);
      at::Tensor in_place = input.clone();
      comm().allreduce(in_place, op);
      at::Tensor output = at::full({777}, -5.0, at::TensorOptions().dtype(dtype));
      comm().allreduce(input, output, op);
      const at::Tensor want = expectedReduce(op, 777, dtype);
      EXPECT_TRUE(sameValues(in_place, want)) << c10::toString(dtype) << " op " << int(op);
      EXPECT_TRUE(sameValues(output, want)) << c10::toString(dtype) << " op " << int(op);
      EXPECT_TRUE(sameValues(input, rankData(rank(), 777, dtype))) << "the input changed";
    }
  }
}

// Every rank folds the inputs in the same order, so the results are the same
// bit for bit on every rank (DataParallel replicas must not drift apart).
TEST(SmallAllreduce, EveryRankGetsTheSameBits) {
  at::Tensor t = at::randn({4099}, at::kFloat).mul_(1 + rank());
  comm().allreduce(t, ReduceOp::kAvg);
  at::Tensor all = at::empty({4099 * worldSize()}, at::kFloat);
  comm().allgather(t, all);
  for (int r = 0; r < worldSize(); ++r) {
    EXPECT_TRUE(all.narrow(0, r * 4099, 4099).equal(t)) << "rank " << r << " differs";
  }
}

// Ranks that finish a small allreduce early start the next one while others
// still read the last: a thousand of them back to back, with a different size
// each time and one rank falling behind now and then, must all be right.
TEST(SmallAllreduce, BackToBackWithRanksOutOfStep) {
  for (int i = 0; i < 1000; ++i) {
    const int64_t numel = 1 + (i * 37) % 3000;
    if (rank() == i % worldSize() && i % 97 == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    at::Tensor t = at::full({numel}, static_cast<float>(rank() + i), at::kFloat);
    comm().allreduce(t, ReduceOp::kSum);
    const int n = worldSize();
    const float want = static_cast<float>(n * i + n * (n - 1) / 2);
    ASSERT_TRUE(t.eq(want).all().item<bool>()) << "allreduce " << i << " of " << numel;
  }
}

TEST(SmallAllreduce, DifferentSizesOnDifferentRanksAreAnErrorNotAHang) {
  if (!expectShm()) GTEST_SKIP() << "MPI cannot detect this; the watchdog would end the job";
  at::Tensor mine = at::ones({rank() == 0 ? 10 : 20}, at::kFloat);
  try {
    comm().allreduce(mine, ReduceOp::kSum);
    FAIL() << "tensors of different sizes were reduced";
  } catch (const CommError& e) {
    EXPECT_NE(std::string(e.what()).find("here met"), std::string::npos) << e.what();
  }
  // The communicator is still in step.
  at::Tensor t = rankData(rank(), 6, at::kFloat);
  comm().allreduce(t, ReduceOp::kSum);
  EXPECT_TRUE(sameValues(t, expectedReduce(ReduceOp::kSum, 6, at::kFloat)));
}

}  // namespace
}  // namespace cohort
