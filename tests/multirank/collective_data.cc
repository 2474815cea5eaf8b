#include "collective_data.h"

#include <ATen/ATen.h>

#include <tuple>
#include <vector>

#include "cohort/comm/mpi_communicator.h"
#include "cohort/world/runtime.h"

namespace cohort::testing {

Communicator& comm() { return current()->comm(); }

bool expectShm() { return worldSize() > 1 && current()->settings().shm; }

uint64_t shmCount() {
  auto* mpi = dynamic_cast<MpiCommunicator*>(&comm());
  return mpi != nullptr ? mpi->sharedMemoryAllreduces() : 0;
}
int rank() { return comm().rank(); }
int worldSize() { return comm().size(); }

at::Tensor rankPeriod(int r, c10::ScalarType dtype) {
  at::Tensor pattern = at::arange(5, at::kLong);
  if (dtype != at::kByte) pattern = pattern.sub(2);
  return pattern.mul(r + 1).add(r);
}

// The first `numel` elements of `period` repeated. Large tensors are built by
// copying rather than by arithmetic, which is slow for int64 in this libtorch.
at::Tensor tiled(const at::Tensor& period, int64_t numel) {
  return period.repeat({(numel + 4) / 5}).narrow(0, 0, numel).contiguous();
}

at::Tensor rankData(int r, int64_t numel, c10::ScalarType dtype) {
  return tiled(rankPeriod(r, dtype).to(dtype), numel);
}

at::Tensor allRanksData(int64_t numel, c10::ScalarType dtype) {
  std::vector<at::Tensor> rows;
  for (int r = 0; r < worldSize(); ++r) rows.push_back(rankData(r, numel, dtype));
  return at::stack(rows);
}

// Worked out on one period, then tiled.
at::Tensor expectedReduce(ReduceOp op, int64_t numel, c10::ScalarType dtype) {
  std::vector<at::Tensor> periods;
  for (int r = 0; r < worldSize(); ++r) periods.push_back(rankPeriod(r, dtype));
  const at::Tensor all = at::stack(periods);
  at::Tensor out;
  switch (op) {
    case ReduceOp::kSum:
      out = all.sum(0);
      break;
    case ReduceOp::kMin:
      out = std::get<0>(all.min(0));
      break;
    case ReduceOp::kMax:
      out = std::get<0>(all.max(0));
      break;
    case ReduceOp::kAvg:
      out = at::isIntegralType(dtype, false) ? all.sum(0).div(worldSize(), "trunc")
                                             : all.sum(0).to(at::kDouble).div(worldSize());
      break;
  }
  return tiled(out.to(dtype), numel);
}

::testing::AssertionResult sameValues(const at::Tensor& actual, const at::Tensor& expected) {
  if (actual.scalar_type() != expected.scalar_type()) {
    return ::testing::AssertionFailure()
           << "dtype " << actual.scalar_type() << ", expected " << expected.scalar_type();
  }
  if (actual.sizes() != expected.sizes()) {
    return ::testing::AssertionFailure()
           << "shape " << actual.sizes() << ", expected " << expected.sizes();
  }
  if (actual.equal(expected)) return ::testing::AssertionSuccess();
  const at::Tensor a = actual.to(at::kDouble).reshape({-1});
  const at::Tensor e = expected.to(at::kDouble).reshape({-1});
  const at::Tensor wrong = a.ne(e).nonzero();
  const int64_t i = wrong[0][0].item<int64_t>();
  return ::testing::AssertionFailure()
         << wrong.size(0) << " of " << a.numel() << " elements differ; first at flat index " << i
         << ": " << a[i].item<double>() << ", expected " << e[i].item<double>();
}

}  // namespace cohort::testing
