// Uses an installed cohort: starts the runtime and sums the ranks over MPI.
#include <ATen/ops/full.h>

#include <cstdio>

#include "cohort/cohort.h"
#include "cohort/ddp/data_parallel.h"

int main(int argc, char** argv) {
  return cohort::runMain(argc, argv, [](cohort::Runtime& rt) {
    at::Tensor t = at::full({3}, static_cast<double>(rt.rank() + 1), at::kLong);
    rt.comm().allreduce(t, cohort::ReduceOp::kSum);
    if (rt.rank() == 0) {
      std::printf("consumer: %d ranks, sum of rank+1 = %lld\n", rt.size(),
                  static_cast<long long>(t[0].item<int64_t>()));
    }
    return 0;
  });
}
