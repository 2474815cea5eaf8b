// Data for collective tests: every rank derives its data from its rank (small
// integers, exact in every dtype), so each rank can compute the exact expected
// result of a collective locally.
#pragma once

#include <ATen/core/Tensor.h>
#include <gtest/gtest.h>

#include "cohort/comm/communicator.h"

namespace cohort::testing {

constexpr ReduceOp kOps[] = {ReduceOp::kSum, ReduceOp::kAvg, ReduceOp::kMin, ReduceOp::kMax};

Communicator& comm();  // the runtime's world communicator
int rank();
int worldSize();

// Whether float allreduces of shared buffers and small tensors must go through
// shared memory here: several ranks, all on this machine, and COHORT_SHM not off.
bool expectShm();
// Allreduces the communicator has run through shared memory so far.
uint64_t shmCount();

// Rank r's data repeats with period 5: element i is ((i % 5) - 2) * (r + 1) + r
// (without the - 2 for uint8). Small integers, so sums over a few ranks are
// exact even in bfloat16.
at::Tensor rankPeriod(int r, c10::ScalarType dtype);
// The first `numel` elements of `period` repeated.
at::Tensor tiled(const at::Tensor& period, int64_t numel);
at::Tensor rankData(int r, int64_t numel, c10::ScalarType dtype);
// Every rank's data, one row per rank.
at::Tensor allRanksData(int64_t numel, c10::ScalarType dtype);
// The exact reduction over all ranks of rankData; kAvg truncates toward zero
// for integer dtypes, as the communicator documents.
at::Tensor expectedReduce(ReduceOp op, int64_t numel, c10::ScalarType dtype);
// Same dtype, same shape, and exactly the same values.
::testing::AssertionResult sameValues(const at::Tensor& actual, const at::Tensor& expected);

}  // namespace cohort::testing
