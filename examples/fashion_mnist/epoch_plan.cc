#include "epoch_plan.h"

#include <random>
#include <utility>

namespace fashion_mnist {

namespace {

// A uniform draw from [0, bound) by rejection, so no value is favoured.
// (std::uniform_int_distribution is not specified exactly and may differ
// between standard libraries; std::mt19937_64's output is.)
uint64_t uniformBelow(std::mt19937_64& engine, uint64_t bound) {
  const uint64_t limit = std::mt19937_64::max() - std::mt19937_64::max() % bound;
  uint64_t draw;
  do {
    draw = engine();
  } while (draw >= limit);
  return draw % bound;
}

}  // namespace

std::vector<int64_t> seededPermutation(int64_t n, uint64_t seed, int epoch) {
  // Seed from both numbers through seed_seq so nearby (seed, epoch) pairs
  // give unrelated streams.
  std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                    static_cast<uint32_t>(epoch)};
  std::mt19937_64 engine(seq);
  std::vector<int64_t> perm(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) perm[i] = i;
  // Fisher-Yates: position i takes a uniformly chosen element of perm[0..i].
  for (int64_t i = n - 1; i > 0; --i) {
    std::swap(perm[i], perm[uniformBelow(engine, static_cast<uint64_t>(i) + 1)]);
  }
  return perm;
}

EpochPlan::EpochPlan(int64_t num_samples, int64_t global_batch, int rank, int world, uint64_t seed,
                     int epoch)
    : perm_(seededPermutation(num_samples, seed, epoch)),
      global_batch_(global_batch),
      local_batch_(global_batch / world),
      num_batches_(num_samples / global_batch),
      rank_(rank) {}

std::vector<int64_t> EpochPlan::shard(int64_t batch) const {
  const auto first = perm_.begin() + batch * global_batch_ + rank_ * local_batch_;
  return std::vector<int64_t>(first, first + local_batch_);
}

}  // namespace fashion_mnist
