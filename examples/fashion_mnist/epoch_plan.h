// Which training samples each rank sees in one epoch.
//
// Every rank builds the same permutation of the sample indices, seeded by
// (seed, epoch). Global batch i is perm[i*B, (i+1)*B); rank r of W takes the
// contiguous slice [r*B/W, (r+1)*B/W) of it. The last incomplete global batch
// is dropped. So W ranks with global batch B average exactly the gradients one
// rank computes on batch B, and accuracies agree across world sizes.
#pragma once

#include <cstdint>
#include <vector>

namespace fashion_mnist {

class EpochPlan {
 public:
  // global_batch must be a positive multiple of world.
  EpochPlan(int64_t num_samples, int64_t global_batch, int rank, int world, uint64_t seed,
            int epoch);

  int64_t numBatches() const { return num_batches_; }
  int64_t localBatch() const { return local_batch_; }
  // Samples left out because they do not fill a whole global batch.
  int64_t dropped() const {
    return static_cast<int64_t>(perm_.size()) - num_batches_ * global_batch_;
  }

  // This rank's sample indices for global batch `batch` (localBatch() of them).
  std::vector<int64_t> shard(int64_t batch) const;

 private:
  std::vector<int64_t> perm_;
  int64_t global_batch_;
  int64_t local_batch_;
  int64_t num_batches_;
  int rank_;
};

// A permutation of 0..n-1 that depends only on (n, seed, epoch): the same on
// every rank, compiler and standard library.
std::vector<int64_t> seededPermutation(int64_t n, uint64_t seed, int epoch);

}  // namespace fashion_mnist
