#include "cohort/data/epoch_order.h"

#include <algorithm>
#include <utility>

#include "cohort/core/error.h"

namespace cohort::data {

namespace {

// SplitMix64: a bijective 64-bit mixer (Steele, Lea, Flood 2014).
uint64_t splitMix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// xoshiro256** (Blackman, Vigna): fast, and fully specified here.
class Generator {
 public:
  explicit Generator(uint64_t key) {
    for (auto& s : state_) s = key = splitMix(key);
  }
  uint64_t next() {
    const uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }
  // Uniform in [0, bound), by rejection so that no value is favoured.
  uint64_t below(uint64_t bound) {
    const uint64_t limit = ~uint64_t{0} - (~uint64_t{0} % bound);
    uint64_t draw;
    do {
      draw = next();
    } while (draw >= limit);
    return draw % bound;
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t state_[4];
};

}  // namespace

std::vector<int64_t> keyedPermutation(int64_t n, uint64_t seed, int64_t epoch, uint64_t stream) {
  Generator g(splitMix(splitMix(splitMix(seed) ^ static_cast<uint64_t>(epoch)) ^ stream));
  std::vector<int64_t> perm(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) perm[i] = i;
  // Fisher-Yates: position i takes a uniformly chosen element of perm[0..i].
  for (int64_t i = n - 1; i > 0; --i)
    std::swap(perm[i], perm[g.below(static_cast<uint64_t>(i) + 1)]);
  return perm;
}

EpochOrder::EpochOrder(const std::vector<int64_t>& shard_samples, uint64_t seed, int64_t epoch,
                       int window_shards, bool shuffle)
    : shard_samples_(shard_samples), seed_(seed), epoch_(epoch), shuffle_(shuffle) {
  COHORT_CHECK(!shard_samples.empty() && window_shards >= 1, ConfigError,
               "an epoch order needs shards and a window of at least one shard",
               "pass a data set with shards and window_shards >= 1");
  const int64_t n = static_cast<int64_t>(shard_samples.size());
  // Step 1: the shard order (stream 0 of this epoch's generator).
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  if (shuffle) order = keyedPermutation(n, seed, epoch, 0);
  // Step 2: windows of window_shards consecutive shards of that order.
  window_start_.push_back(0);
  for (int64_t first = 0; first < n; first += window_shards) {
    std::vector<int32_t> window;
    int64_t samples = 0;
    for (int64_t i = first; i < std::min(n, first + window_shards); ++i) {
      window.push_back(static_cast<int32_t>(order[i]));
      samples += shard_samples[order[i]];
    }
    windows_.push_back(window);
    window_start_.push_back(window_start_.back() + samples);
  }
}

StepSlice stepSlice(int64_t position, int64_t total, int64_t global_batch, int rank, int world,
                    bool drop_last) {
  StepSlice s{position, position, position};
  const int64_t left = total - position;
  if (left >= global_batch) {
    const int64_t local = global_batch / world;
    s.begin = position + rank * local;
    s.end = s.begin + local;
    s.next_position = position + global_batch;
  } else if (!drop_last && left / world > 0) {
    // The remainder: floor(left / world) each; the last left % world are skipped.
    const int64_t local = left / world;
    s.begin = position + rank * local;
    s.end = s.begin + local;
    s.next_position = total;
  }
  return s;
}

int EpochOrder::windowAt(int64_t position) const {
  const auto it = std::upper_bound(window_start_.begin(), window_start_.end(), position);
  return static_cast<int>(it - window_start_.begin()) - 1;
}

std::vector<SampleRef> EpochOrder::windowSamples(int w) const {
  std::vector<SampleRef> samples;
  for (int32_t shard : windows_[w]) {
    for (int64_t row = 0; row < shard_samples_[shard]; ++row) samples.push_back({shard, row});
  }
  if (!shuffle_) return samples;
  // Step 3: the window's samples, permuted by stream 1 + w of this epoch's generator.
  const auto perm = keyedPermutation(static_cast<int64_t>(samples.size()), seed_, epoch_,
                                     1 + static_cast<uint64_t>(w));
  std::vector<SampleRef> shuffled(samples.size());
  for (size_t i = 0; i < perm.size(); ++i) shuffled[i] = samples[perm[i]];
  return shuffled;
}

}  // namespace cohort::data
