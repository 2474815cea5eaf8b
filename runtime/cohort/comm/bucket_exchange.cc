#include "cohort/comm/bucket_exchange.h"

#include <ATen/ops/empty.h>

#include <algorithm>
#include <climits>
#include <vector>

#include "cohort/core/error.h"
#include "cohort/kernels/cpu/bucket_copy.h"

namespace cohort {

namespace {

at::Tensor grown(const at::Tensor& t, int64_t bytes) {
  if (t.defined() && t.numel() >= bytes) return t;
  return at::empty({bytes}, at::TensorOptions().dtype(at::kByte));
}

// Who holds which chunk: counts and displacements for MPI's v-collectives.
struct Chunks {
  std::vector<int> counts, displs;            // chunk j of the bucket
  std::vector<int> recv_counts, recv_displs;  // W copies of this rank's chunk
  int64_t mine = 0, size = 0;                 // this rank's chunk

  Chunks(int64_t n, int rank, int ranks)
      : counts(ranks), displs(ranks), recv_counts(ranks), recv_displs(ranks) {
    for (int j = 0; j < ranks; ++j) {
      const auto [begin, end] = chunkOf(n, j, ranks);
      counts[j] = static_cast<int>(end - begin);
      displs[j] = static_cast<int>(begin);
    }
    const auto [begin, end] = chunkOf(n, rank, ranks);
    mine = begin;
    size = end - begin;
    for (int j = 0; j < ranks; ++j) {
      recv_counts[j] = static_cast<int>(size);
      recv_displs[j] = static_cast<int>(j * size);
    }
  }
};

// float32 on the wire: the chunks straight from and into `data`.
int exchangeFloat(MPI_Comm comm, const Chunks& c, int ranks, float* data, float* recv) {
  int code = MPI_Alltoallv(data, c.counts.data(), c.displs.data(), MPI_FLOAT, recv,
                           c.recv_counts.data(), c.recv_displs.data(), MPI_FLOAT, comm);
  if (code != MPI_SUCCESS) return code;
  float* own = data + c.mine;
  std::copy(recv, recv + c.size, own);
  for (int j = 1; j < ranks; ++j) {
    const float* part = recv + j * c.size;
    for (int64_t i = 0; i < c.size; ++i) own[i] += part[i];
  }
  return MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, data, c.counts.data(), c.displs.data(),
                        MPI_FLOAT, comm);
}

// 16 bits on the wire, both roundings fed back (Note [Two-sided error feedback]).
template <typename Low>
int exchangeLow(MPI_Comm comm, const Chunks& c, int ranks, float* data, float* sender, float* owner,
                int64_t n, Low* send, Low* recv) {
  cpu::compressIn(data, sender, send, n, 1.0f);
  int code = MPI_Alltoallv(send, c.counts.data(), c.displs.data(), MPI_UINT16_T, recv,
                           c.recv_counts.data(), c.recv_displs.data(), MPI_UINT16_T, comm);
  if (code != MPI_SUCCESS) return code;
  cpu::sumWidened(recv, ranks, c.size, data + c.mine);
  cpu::compressIn(data + c.mine, owner + c.mine, send + c.mine, c.size, 1.0f);
  code = MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, send, c.counts.data(), c.displs.data(),
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

int BucketExchange::run(MPI_Comm comm, float* data, float* sender, float* owner, int64_t n,
                        Compression compress) {
  int rank = 0, ranks = 1;
  int code = MPI_Comm_rank(comm, &rank);
  if (code == MPI_SUCCESS) code = MPI_Comm_size(comm, &ranks);
  if (code != MPI_SUCCESS) return code;
  if (n == 0 || ranks == 1) return MPI_SUCCESS;  // nothing crosses: the sum is x itself
  COHORT_CHECK(n <= INT_MAX, CommError,
               "a bucket exchange of " + std::to_string(n) +
                   " elements is over the MPI count limit of " + std::to_string(INT_MAX),
               "use smaller gradient buckets (COHORT_BUCKET_MB)");
  const Chunks chunks(n, rank, ranks);
  const int64_t width = compress == Compression::kNone ? 4 : 2;
  recv_ = grown(recv_, chunks.size * ranks * width);
  if (compress == Compression::kNone) {
    return exchangeFloat(comm, chunks, ranks, data, static_cast<float*>(recv_.data_ptr()));
  }
  send_ = grown(send_, n * width);
  if (compress == Compression::kBf16) {
    return exchangeLow(comm, chunks, ranks, data, sender, owner, n,
                       static_cast<c10::BFloat16*>(send_.data_ptr()),
                       static_cast<c10::BFloat16*>(recv_.data_ptr()));
  }
  return exchangeLow(comm, chunks, ranks, data, sender, owner, n,
                     static_cast<c10::Half*>(send_.data_ptr()),
                     static_cast<c10::Half*>(recv_.data_ptr()));
}

}  // namespace cohort
