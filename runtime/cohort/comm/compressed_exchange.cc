#include "cohort/comm/compressed_exchange.h"

#include <ATen/ops/empty.h>

#include <climits>
#include <vector>

#include "cohort/core/error.h"
#include "cohort/kernels/cpu/bucket_copy.h"

namespace cohort {

namespace {

at::Tensor grown(const at::Tensor& t, int64_t n) {
  if (t.defined() && t.numel() >= n) return t;
  return at::empty({n}, at::TensorOptions().dtype(at::kShort));
}

template <typename Low>
int exchange(MPI_Comm comm, int rank, int size, float* data, float* sender, float* owner,
             int64_t n, Low* send, Low* recv) {
  std::vector<int> counts(size), displs(size), recv_counts(size), recv_displs(size);
  for (int j = 0; j < size; ++j) {
    const auto [begin, end] = chunkOf(n, j, size);
    counts[j] = static_cast<int>(end - begin);
    displs[j] = static_cast<int>(begin);
  }
  const auto [mine, mine_end] = chunkOf(n, rank, size);
  const int64_t c = mine_end - mine;
  for (int j = 0; j < size; ++j) {
    recv_counts[j] = static_cast<int>(c);
    recv_displs[j] = static_cast<int>(j * c);
  }
  // 1. Round with the sender residual; chunk j to rank j.
  cpu::compressIn(data, sender, send, n, 1.0f);
  int code = MPI_Alltoallv(send, counts.data(), displs.data(), MPI_UINT16_T, recv,
                           recv_counts.data(), recv_displs.data(), MPI_UINT16_T, comm);
  if (code != MPI_SUCCESS) return code;
  // 2. This rank's chunk summed in float32, rounded with the owner residual,
  // gathered everywhere.
  cpu::sumWidened(recv, size, c, data + mine);
  cpu::compressIn(data + mine, owner + mine, send + mine, c, 1.0f);
  code = MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, send, counts.data(), displs.data(),
                        MPI_UINT16_T, comm);
  if (code != MPI_SUCCESS) return code;
  cpu::decompress(send, data, n);
  return MPI_SUCCESS;
}

}  // namespace

std::pair<int64_t, int64_t> chunkOf(int64_t n, int rank, int size) {
  const int64_t base = n / size, extra = n % size;
  const int64_t begin = rank * base + std::min<int64_t>(rank, extra);
  return {begin, begin + base + (rank < extra ? 1 : 0)};
}

int CompressedExchange::run(MPI_Comm comm, float* data, float* sender, float* owner, int64_t n,
                            Compression compress) {
  int rank = 0, size = 1;
  int code = MPI_Comm_rank(comm, &rank);
  if (code == MPI_SUCCESS) code = MPI_Comm_size(comm, &size);
  if (code != MPI_SUCCESS) return code;
  if (n == 0 || size == 1) return MPI_SUCCESS;  // nothing crosses: the sum is x itself
  COHORT_CHECK(n <= INT_MAX, CommError,
               "a compressed allreduce of " + std::to_string(n) +
                   " elements is over the MPI count limit of " + std::to_string(INT_MAX),
               "use smaller gradient buckets (COHORT_BUCKET_MB)");
  const auto [mine, mine_end] = chunkOf(n, rank, size);
  send_ = grown(send_, n);
  recv_ = grown(recv_, (mine_end - mine) * size);
  if (compress == Compression::kBf16) {
    return exchange(comm, rank, size, data, sender, owner, n,
                    static_cast<c10::BFloat16*>(send_.data_ptr()),
                    static_cast<c10::BFloat16*>(recv_.data_ptr()));
  }
  return exchange(comm, rank, size, data, sender, owner, n, static_cast<c10::Half*>(send_.data_ptr()),
                  static_cast<c10::Half*>(recv_.data_ptr()));
}

}  // namespace cohort
