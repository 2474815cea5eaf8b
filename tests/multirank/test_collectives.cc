// The MPI communicator's collectives, on every rank of the job: allreduce
// (sum, avg, min, max), broadcast from every root, allgather and barrier; in
// place and out of place, blocking and async, contiguous or not; and the
// argument errors that must be raised on every rank before anything is sent.
//
// Every rank derives its data from its rank (small integers, exact in every
// dtype), so each rank can compute the exact expected result locally. Every
// rank issues every collective in the same order, whether or not a check
// fails: checks are EXPECTs made after the collectives they look at.
#include <ATen/ops/arange.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/stack.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "cohort/cohort.h"
#include "collective_data.h"

namespace cohort {
namespace {
using namespace cohort::testing;  // NOLINT: the shared test data helpers

std::string opName(ReduceOp op) { return reduceOpName(op); }

// ---- every dtype and size ----

using DtypeAndSize = std::tuple<c10::ScalarType, int64_t>;

class CollectivesTest : public ::testing::TestWithParam<DtypeAndSize> {
 protected:
  c10::ScalarType dtype() const { return std::get<0>(GetParam()); }
  int64_t numel() const { return std::get<1>(GetParam()); }
  at::Tensor mine() const { return rankData(rank(), numel(), dtype()); }
};

TEST_P(CollectivesTest, AllreduceInPlace) {
  for (ReduceOp op : kOps) {
    at::Tensor t = mine();
    comm().allreduce(t, op);
    EXPECT_TRUE(sameValues(t, expectedReduce(op, numel(), dtype()))) << opName(op);
  }
}

TEST_P(CollectivesTest, AllreduceOutOfPlaceLeavesInputAlone) {
  for (ReduceOp op : kOps) {
    const at::Tensor input = mine();
    at::Tensor output = at::empty({numel()}, input.options());
    comm().allreduce(input, output, op);
    EXPECT_TRUE(sameValues(output, expectedReduce(op, numel(), dtype()))) << opName(op);
    EXPECT_TRUE(sameValues(input, mine())) << opName(op) << " changed its input";
  }
}

TEST_P(CollectivesTest, AllreduceOutputMayBeTheInput) {
  at::Tensor t = mine();
  comm().allreduce(t, t, ReduceOp::kMax);
  EXPECT_TRUE(sameValues(t, expectedReduce(ReduceOp::kMax, numel(), dtype())));
}

TEST_P(CollectivesTest, AllreduceAsyncAllOpsInFlightAtOnce) {
  std::vector<at::Tensor> in_place, inputs, outputs;
  std::vector<WorkPtr> works;
  for (ReduceOp op : kOps) {
    in_place.push_back(mine());
    works.push_back(comm().allreduceAsync(in_place.back(), op));
    inputs.push_back(mine());
    outputs.push_back(at::empty({numel()}, inputs.back().options()));
    works.push_back(comm().allreduceAsync(inputs.back(), outputs.back(), op));
  }
  for (auto it = works.rbegin(); it != works.rend(); ++it) (*it)->wait();
  for (size_t k = 0; k < 4; ++k) {
    const ReduceOp op = kOps[k];
    EXPECT_TRUE(works[2 * k]->isCompleted());
    EXPECT_TRUE(sameValues(in_place[k], expectedReduce(op, numel(), dtype()))) << opName(op);
    EXPECT_TRUE(sameValues(outputs[k], expectedReduce(op, numel(), dtype()))) << opName(op);
  }
}

TEST_P(CollectivesTest, BroadcastFromEveryRoot) {
  for (int root = 0; root < worldSize(); ++root) {
    at::Tensor blocking = mine();
    comm().broadcast(blocking, root);
    at::Tensor async = mine();
    comm().broadcastAsync(async, root)->wait();
    const at::Tensor expected = rankData(root, numel(), dtype());
    EXPECT_TRUE(sameValues(blocking, expected)) << "root " << root;
    EXPECT_TRUE(sameValues(async, expected)) << "root " << root << ", async";
  }
}

TEST_P(CollectivesTest, AllgatherPutsRankRInRowR) {
  const at::Tensor input = mine();
  at::Tensor blocking = at::empty({worldSize(), numel()}, input.options());
  comm().allgather(input, blocking);
  at::Tensor async = at::empty({worldSize(), numel()}, input.options());
  WorkPtr work = comm().allgatherAsync(input, async);
  work->wait();
  const at::Tensor expected = allRanksData(numel(), dtype());
  EXPECT_TRUE(sameValues(blocking, expected));
  EXPECT_TRUE(sameValues(async, expected)) << "async";
  EXPECT_TRUE(sameValues(input, mine())) << "allgather changed its input";
}

std::string paramName(const ::testing::TestParamInfo<DtypeAndSize>& info) {
  return std::string(c10::toString(std::get<0>(info.param))) + "_" +
         std::to_string(std::get<1>(info.param));
}

constexpr c10::ScalarType kDtypes[] = {at::kFloat, at::kDouble, at::kBFloat16,
                                       at::kHalf,  at::kLong,   at::kInt};

// Empty, one element, and odd sizes.
INSTANTIATE_TEST_SUITE_P(AllDtypes, CollectivesTest,
                         ::testing::Combine(::testing::ValuesIn(kDtypes),
                                            ::testing::Values(0, 1, 7, 1003)),
                         paramName);

// Over a million elements (odd), where MPI switches to its large-message
// algorithms. One dtype per path through the communicator (a built-in MPI
// float op, the 16-bit user ops, an integer op): each case takes a while on a
// small machine.
class LargeTest : public CollectivesTest {};

TEST_P(LargeTest, AllreduceBroadcastAllgather) {
  at::Tensor summed = mine();
  comm().allreduce(summed, ReduceOp::kSum);
  const at::Tensor input = mine();
  at::Tensor maxed = at::empty({numel()}, input.options());
  WorkPtr max_work = comm().allreduceAsync(input, maxed, ReduceOp::kMax);
  at::Tensor broadcast = mine();
  WorkPtr broadcast_work = comm().broadcastAsync(broadcast, worldSize() - 1);
  at::Tensor gathered = at::empty({worldSize(), numel()}, input.options());
  comm().allgather(input, gathered);
  broadcast_work->wait();
  max_work->wait();
  EXPECT_TRUE(sameValues(summed, expectedReduce(ReduceOp::kSum, numel(), dtype())));
  EXPECT_TRUE(sameValues(maxed, expectedReduce(ReduceOp::kMax, numel(), dtype())));
  EXPECT_TRUE(sameValues(broadcast, rankData(worldSize() - 1, numel(), dtype())));
  EXPECT_TRUE(sameValues(gathered, allRanksData(numel(), dtype())));
}

INSTANTIATE_TEST_SUITE_P(OneDtypePerPath, LargeTest,
                         ::testing::Combine(::testing::Values(at::kFloat, at::kBFloat16, at::kLong),
                                            ::testing::Values(1000003)),
                         paramName);

// uint8 travels but cannot be reduced.
TEST(Collectives, Uint8BroadcastAndAllgather) {
  at::Tensor t = rankData(rank(), 13, at::kByte);
  comm().broadcast(t, worldSize() - 1);
  at::Tensor gathered = at::empty({worldSize(), 13}, at::kByte);
  comm().allgather(rankData(rank(), 13, at::kByte), gathered);
  EXPECT_TRUE(sameValues(t, rankData(worldSize() - 1, 13, at::kByte)));
  EXPECT_TRUE(sameValues(gathered, allRanksData(13, at::kByte)));
}

// ---- tensors that are not contiguous ----

class NonContiguousTest : public ::testing::TestWithParam<c10::ScalarType> {};

// A [5, 7] transposed view of rank r's 35 elements laid out as [7, 5].
at::Tensor transposed(const at::Tensor& flat) { return flat.view({7, 5}).t(); }

TEST_P(NonContiguousTest, AllreduceInPlaceOnATransposedView) {
  at::Tensor base = rankData(rank(), 35, GetParam());
  at::Tensor view = transposed(base);
  comm().allreduce(view, ReduceOp::kSum);
  const at::Tensor expected = expectedReduce(ReduceOp::kSum, 35, GetParam());
  EXPECT_TRUE(sameValues(view, transposed(expected)));
  EXPECT_TRUE(sameValues(base, expected)) << "the view's storage";
}

TEST_P(NonContiguousTest, AllreduceInPlaceOnAStridedSliceLeavesTheGapsAlone) {
  at::Tensor base = rankData(rank(), 20, GetParam());
  at::Tensor every_other = base.slice(0, 0, 20, 2);
  WorkPtr work = comm().allreduceAsync(every_other, ReduceOp::kMin);
  work->wait();
  EXPECT_TRUE(
      sameValues(every_other, expectedReduce(ReduceOp::kMin, 20, GetParam()).slice(0, 0, 20, 2)));
  EXPECT_TRUE(
      sameValues(base.slice(0, 1, 20, 2), rankData(rank(), 20, GetParam()).slice(0, 1, 20, 2)));
}

TEST_P(NonContiguousTest, AllreduceOutOfPlaceFromATransposedView) {
  const at::Tensor input = transposed(rankData(rank(), 35, GetParam()));
  at::Tensor output = at::empty({5, 7}, input.options());
  comm().allreduce(input, output, ReduceOp::kMax);
  EXPECT_TRUE(sameValues(output, transposed(expectedReduce(ReduceOp::kMax, 35, GetParam()))));
}

TEST_P(NonContiguousTest, BroadcastIntoATransposedView) {
  at::Tensor base = rankData(rank(), 35, GetParam());
  at::Tensor view = transposed(base);
  comm().broadcast(view, 0);
  EXPECT_TRUE(sameValues(base, rankData(0, 35, GetParam())));
}

TEST_P(NonContiguousTest, AllgatherOfATransposedView) {
  const at::Tensor input = transposed(rankData(rank(), 35, GetParam()));
  at::Tensor output = at::empty({worldSize(), 5, 7}, input.options());
  comm().allgather(input, output);
  std::vector<at::Tensor> rows;
  for (int r = 0; r < worldSize(); ++r) rows.push_back(transposed(rankData(r, 35, GetParam())));
  EXPECT_TRUE(sameValues(output, at::stack(rows)));
}

INSTANTIATE_TEST_SUITE_P(SomeDtypes, NonContiguousTest,
                         ::testing::Values(at::kFloat, at::kBFloat16, at::kLong),
                         [](const ::testing::TestParamInfo<c10::ScalarType>& info) {
                           return std::string(c10::toString(info.param));
                         });

// ---- async handles ----

TEST(Async, MixedCollectivesInFlightWaitedInARankDependentOrder) {
  at::Tensor sum_f32 = rankData(rank(), 1000, at::kFloat);
  const at::Tensor max_in = rankData(rank(), 77, at::kLong);
  at::Tensor max_out = at::empty({77}, at::kLong);
  at::Tensor bcast_bf16 = rankData(rank(), 33, at::kBFloat16);
  const at::Tensor gather_in = rankData(rank(), 9, at::kHalf);
  at::Tensor gather_out = at::empty({worldSize(), 9}, at::kHalf);
  at::Tensor avg_f64 = rankData(rank(), 5000, at::kDouble);

  std::vector<WorkPtr> works = {
      comm().allreduceAsync(sum_f32, ReduceOp::kSum),
      comm().allreduceAsync(max_in, max_out, ReduceOp::kMax),
      comm().broadcastAsync(bcast_bf16, worldSize() - 1),
      comm().barrierAsync(),
      comm().allgatherAsync(gather_in, gather_out),
      comm().allreduceAsync(avg_f64, ReduceOp::kAvg),
  };
  // Rank r waits starting from handle r, wrapping around, odd ranks backwards.
  const int n = static_cast<int>(works.size());
  for (int k = 0; k < n; ++k) {
    const int step = rank() % 2 == 0 ? k : -k;
    works[((rank() + step) % n + n) % n]->wait();
  }
  for (int k = 0; k < n; ++k) EXPECT_TRUE(works[k]->isCompleted()) << "handle " << k;
  EXPECT_TRUE(sameValues(sum_f32, expectedReduce(ReduceOp::kSum, 1000, at::kFloat)));
  EXPECT_TRUE(sameValues(max_out, expectedReduce(ReduceOp::kMax, 77, at::kLong)));
  EXPECT_TRUE(sameValues(bcast_bf16, rankData(worldSize() - 1, 33, at::kBFloat16)));
  EXPECT_TRUE(sameValues(gather_out, allRanksData(9, at::kHalf)));
  EXPECT_TRUE(sameValues(avg_f64, expectedReduce(ReduceOp::kAvg, 5000, at::kDouble)));
}

TEST(Async, IsCompletedTurnsTrueWithoutWait) {
  at::Tensor t = rankData(rank(), 4096, at::kFloat);
  WorkPtr work = comm().allreduceAsync(t, ReduceOp::kSum);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!work->isCompleted() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(work->isCompleted());
  work->wait();  // returns at once, and again
  work->wait();
  EXPECT_TRUE(sameValues(t, expectedReduce(ReduceOp::kSum, 4096, at::kFloat)));
}

TEST(Async, BlockingCollectivesInterleaveWithAsyncOnes) {
  at::Tensor big = rankData(rank(), 200000, at::kFloat);
  WorkPtr first = comm().allreduceAsync(big, ReduceOp::kSum);
  at::Tensor small = rankData(rank(), 3, at::kLong);
  comm().allreduce(small, ReduceOp::kMin);  // runs after `first`, on this thread
  at::Tensor later = rankData(rank(), 11, at::kHalf);
  WorkPtr second = comm().broadcastAsync(later, 0);
  comm().barrier();
  second->wait();
  first->wait();
  EXPECT_TRUE(sameValues(big, expectedReduce(ReduceOp::kSum, 200000, at::kFloat)));
  EXPECT_TRUE(sameValues(small, expectedReduce(ReduceOp::kMin, 3, at::kLong)));
  EXPECT_TRUE(sameValues(later, rankData(0, 11, at::kHalf)));
}

// ---- barrier ----

// The last rank creates a file just before it enters the barrier, after a
// pause; every rank looks for the file once its barrier returns. A barrier
// that let a rank through early would find no file.
TEST(Barrier, NoRankLeavesBeforeTheLastHasEntered) {
  at::Tensor pid = at::empty({1}, at::kLong);
  pid.fill_(static_cast<int64_t>(::getpid()));
  comm().broadcast(pid, 0);
  for (bool async : {false, true}) {
    const std::string path = "/tmp/cohort_barrier_test_" + std::to_string(pid.item<int64_t>()) +
                             (async ? "_async" : "_blocking");
    const bool marker = rank() == worldSize() - 1;
    if (marker) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      std::FILE* f = std::fopen(path.c_str(), "w");
      if (f) std::fclose(f);
    }
    if (async) {
      comm().barrierAsync()->wait();
    } else {
      comm().barrier();
    }
    const bool found = ::access(path.c_str(), F_OK) == 0;
    comm().barrier();  // every rank has looked
    if (marker) std::remove(path.c_str());
    EXPECT_TRUE(found) << (async ? "barrierAsync" : "barrier") << " returned before rank "
                       << worldSize() - 1 << " entered it";
  }
}

// ---- argument errors: thrown on every rank, before anything is sent ----

// After a test of bad arguments, a good collective must still match up on
// every rank: none of the bad calls may have been half issued.
void expectCommunicatorStillWorks() {
  at::Tensor t = rankData(rank(), 6, at::kFloat);
  comm().allreduce(t, ReduceOp::kSum);
  EXPECT_TRUE(sameValues(t, expectedReduce(ReduceOp::kSum, 6, at::kFloat)))
      << "the communicator is out of step after the errors";
}

TEST(CommErrors, OutOfPlaceAllreduceRejectsAnOutputThatDoesNotFit) {
  const at::Tensor input = rankData(rank(), 14, at::kFloat);
  at::Tensor too_small = at::empty({13}, at::kFloat);
  at::Tensor too_large = at::empty({15}, at::kFloat);
  at::Tensor wrong_dtype = at::empty({14}, at::kDouble);
  at::Tensor not_contiguous = at::empty({7, 2}, at::kFloat).t();
  for (at::Tensor* output : {&too_small, &too_large, &wrong_dtype, &not_contiguous}) {
    EXPECT_THROW(comm().allreduce(input, *output, ReduceOp::kSum), CommError);
    // The async form refuses at the call, not when waited on.
    EXPECT_THROW(comm().allreduceAsync(input, *output, ReduceOp::kSum), CommError);
  }
  expectCommunicatorStillWorks();
}

TEST(CommErrors, AllgatherRejectsAnOutputThatDoesNotFit) {
  const at::Tensor input = rankData(rank(), 5, at::kLong);
  at::Tensor one_row = at::empty({5}, at::kLong);
  at::Tensor short_by_one = at::empty({worldSize() * 5 - 1}, at::kLong);
  at::Tensor wrong_dtype = at::empty({worldSize(), 5}, at::kInt);
  for (at::Tensor* output : {&one_row, &short_by_one, &wrong_dtype}) {
    EXPECT_THROW(comm().allgather(input, *output), CommError);
    EXPECT_THROW(comm().allgatherAsync(input, *output), CommError);
  }
  expectCommunicatorStillWorks();
}

TEST(CommErrors, BroadcastRejectsARootOutsideTheWorld) {
  at::Tensor t = rankData(rank(), 4, at::kFloat);
  for (int root : {-1, worldSize(), worldSize() + 3}) {
    EXPECT_THROW(comm().broadcast(t, root), CommError) << "root " << root;
    EXPECT_THROW(comm().broadcastAsync(t, root), CommError) << "root " << root;
  }
  EXPECT_TRUE(sameValues(t, rankData(rank(), 4, at::kFloat))) << "a refused broadcast wrote";
  expectCommunicatorStillWorks();
}

TEST(CommErrors, UndefinedTensorsAreRejected) {
  at::Tensor undefined;
  at::Tensor fine = rankData(rank(), 4, at::kFloat);
  EXPECT_THROW(comm().allreduce(undefined, ReduceOp::kSum), CommError);
  EXPECT_THROW(comm().allreduceAsync(undefined, ReduceOp::kSum), CommError);
  EXPECT_THROW(comm().broadcast(undefined, 0), CommError);
  EXPECT_THROW(comm().allgather(undefined, fine), CommError);
  EXPECT_THROW(comm().allgather(fine, undefined), CommError);
  expectCommunicatorStillWorks();
}

// Unsupported dtypes fail on every rank alike; whether the error comes from
// the call or from wait(), nothing reaches MPI.
TEST(CommErrors, UnsupportedDtypesAreRejected) {
  at::Tensor flags = at::empty({4}, at::kBool).fill_(true);
  at::Tensor bytes = rankData(rank(), 4, at::kByte);
  at::Tensor flags_out = at::empty({worldSize(), 4}, at::kBool);
  EXPECT_THROW(comm().allreduce(flags, ReduceOp::kSum), CommError);
  EXPECT_THROW(comm().allreduceAsync(flags, ReduceOp::kMax)->wait(), CommError);
  EXPECT_THROW(comm().broadcast(flags, 0), CommError);
  EXPECT_THROW(comm().allgather(flags, flags_out), CommError);
  EXPECT_THROW(comm().allreduce(bytes, ReduceOp::kSum), CommError);
  EXPECT_THROW(comm().allreduceAsync(bytes, ReduceOp::kSum), CommError);
  expectCommunicatorStillWorks();
}

}  // namespace
}  // namespace cohort
