#include "cohort/sweep/rng.h"

#include <cmath>

namespace cohort::sweep {

namespace {
std::mt19937_64 seeded(uint64_t seed, uint64_t stream) {
  std::seed_seq sequence{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                         static_cast<uint32_t>(stream), static_cast<uint32_t>(stream >> 32)};
  return std::mt19937_64(sequence);
}
}  // namespace

Rng::Rng(uint64_t seed, uint64_t stream) : engine_(seeded(seed, stream)) {}

double Rng::uniform01() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

double Rng::uniform(double low, double high) { return low + (high - low) * uniform01(); }

double Rng::normal() {
  // Box-Muller: 1 - u is in (0, 1], so the logarithm is finite.
  const double u = 1.0 - uniform01();
  const double v = uniform01();
  return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * M_PI * v);
}

uint64_t Rng::below(uint64_t n) {
  // Rejects the top sliver of 2^64 that n does not divide evenly.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x = engine_();
  while (x >= limit) x = engine_();
  return x % n;
}

}  // namespace cohort::sweep
