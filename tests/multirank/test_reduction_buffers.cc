// Buffers from Communicator::newReductionBuffers(), which DataParallel's
// gradient buckets are: zero-filled, and reduced exactly like any tensor --
// on one machine through shared memory (Note [Shared-memory allreduce]),
// which the tests check was the path taken unless COHORT_SHM=off.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "cohort/cohort.h"
#include "collective_data.h"

namespace cohort {
namespace {
using namespace cohort::testing;  // NOLINT: the shared test data helpers

at::Tensor newBuffer(int64_t numel, c10::ScalarType dtype) {
  return comm().newReductionBuffers({{numel, dtype}})[0];
}

using DtypeAndSize = std::tuple<c10::ScalarType, int64_t>;
class ReductionBuffersTest : public ::testing::TestWithParam<DtypeAndSize> {
 protected:
  c10::ScalarType dtype() const { return std::get<0>(GetParam()); }
  int64_t numel() const { return std::get<1>(GetParam()); }
};

TEST_P(ReductionBuffersTest, StartZeroedAndReduceInPlaceWithEveryOp) {
  at::Tensor buffer = newBuffer(numel(), dtype());
  ASSERT_EQ(buffer.numel(), numel());
  ASSERT_EQ(buffer.scalar_type(), dtype());
  EXPECT_TRUE(sameValues(buffer, at::zeros({numel()}, buffer.options())));
  const uint64_t before = shmCount();
  for (ReduceOp op : kOps) {
    buffer.copy_(rankData(rank(), numel(), dtype()));
    comm().allreduce(buffer, op);
    EXPECT_TRUE(sameValues(buffer, expectedReduce(op, numel(), dtype()))) << reduceOpName(op);
    buffer.copy_(rankData(rank(), numel(), dtype()));
    comm().allreduceAsync(buffer, op)->wait();
    EXPECT_TRUE(sameValues(buffer, expectedReduce(op, numel(), dtype())))
        << reduceOpName(op) << ", async";
  }
  const bool shm_dtype = dtype() == at::kFloat || dtype() == at::kDouble;
  EXPECT_EQ(shmCount() - before, expectShm() && shm_dtype ? 8u : 0u);
}

std::string paramName(const ::testing::TestParamInfo<DtypeAndSize>& info) {
  return std::string(c10::toString(std::get<0>(info.param))) + "_" +
         std::to_string(std::get<1>(info.param));
}

INSTANTIATE_TEST_SUITE_P(Sizes, ReductionBuffersTest,
                         ::testing::Combine(::testing::Values(at::kFloat, at::kDouble,
                                                              at::kBFloat16),
                                            ::testing::Values(1, 7, 64, 1003)),
                         paramName);
INSTANTIATE_TEST_SUITE_P(Large, ReductionBuffersTest,
                         ::testing::Values(DtypeAndSize{at::kFloat, 3000017}), paramName);

TEST(ReductionBuffers, ManyBuffersInFlightWaitedInARankDependentOrder) {
  std::vector<BufferSpec> specs = {
      {5000, at::kFloat}, {33, at::kDouble}, {1, at::kFloat}, {70001, at::kFloat}, {9, at::kHalf}};
  std::vector<at::Tensor> buffers = comm().newReductionBuffers(specs);
  std::vector<WorkPtr> works;
  for (size_t i = 0; i < buffers.size(); ++i) {
    buffers[i].copy_(rankData(rank(), specs[i].numel, specs[i].dtype));
    works.push_back(comm().allreduceAsync(buffers[i], kOps[i % 4]));
  }
  const int n = static_cast<int>(works.size());
  for (int k = 0; k < n; ++k) works[(rank() + (rank() % 2 ? -k : k) + 2 * n) % n]->wait();
  for (size_t i = 0; i < buffers.size(); ++i) {
    EXPECT_TRUE(sameValues(buffers[i], expectedReduce(kOps[i % 4], specs[i].numel, specs[i].dtype)))
        << "buffer " << i;
  }
}

TEST(ReductionBuffers, ASliceOfABufferIsReducedAndTheRestLeftAlone) {
  at::Tensor buffer = newBuffer(300, at::kFloat);
  buffer.copy_(rankData(rank(), 300, at::kFloat));
  at::Tensor middle = buffer.narrow(0, 100, 150);
  const uint64_t before = shmCount();
  comm().allreduce(middle, ReduceOp::kSum);
  const at::Tensor mine = rankData(rank(), 300, at::kFloat);
  const at::Tensor all = expectedReduce(ReduceOp::kSum, 300, at::kFloat);
  EXPECT_TRUE(sameValues(buffer.narrow(0, 100, 150), all.narrow(0, 100, 150)));
  EXPECT_TRUE(sameValues(buffer.narrow(0, 0, 100), mine.narrow(0, 0, 100)));
  EXPECT_TRUE(sameValues(buffer.narrow(0, 250, 50), mine.narrow(0, 250, 50)));
  EXPECT_EQ(shmCount() - before, expectShm() ? 1u : 0u);
}

TEST(ReductionBuffers, OutOfPlaceFromABufferLeavesItAlone) {
  at::Tensor buffer = newBuffer(1003, at::kFloat);
  buffer.copy_(rankData(rank(), 1003, at::kFloat));
  at::Tensor output = at::empty({1003}, at::kFloat);
  comm().allreduce(buffer, output, ReduceOp::kMax);
  EXPECT_TRUE(sameValues(output, expectedReduce(ReduceOp::kMax, 1003, at::kFloat)));
  EXPECT_TRUE(sameValues(buffer, rankData(rank(), 1003, at::kFloat)));
}

TEST(ReductionBuffers, BuffersOfDifferentSizesOnDifferentRanksAreAnErrorNotAHang) {
  if (!expectShm()) GTEST_SKIP() << "MPI cannot detect this; the watchdog would end the job";
  // Rank 0 reduces a 10-element buffer while the others reduce 20 elements.
  std::vector<at::Tensor> buffers =
      comm().newReductionBuffers({{10, at::kFloat}, {20, at::kFloat}});
  at::Tensor& mine = buffers[rank() == 0 ? 0 : 1];
  try {
    comm().allreduce(mine, ReduceOp::kSum);
    FAIL() << "buffers of different sizes were reduced";
  } catch (const CommError& e) {
    EXPECT_NE(std::string(e.what()).find("here met"), std::string::npos) << e.what();
  }
  // The communicator is still in step.
  at::Tensor t = newBuffer(6, at::kFloat);
  t.copy_(rankData(rank(), 6, at::kFloat));
  comm().allreduce(t, ReduceOp::kSum);
  EXPECT_TRUE(sameValues(t, expectedReduce(ReduceOp::kSum, 6, at::kFloat)));
}

}  // namespace
}  // namespace cohort
