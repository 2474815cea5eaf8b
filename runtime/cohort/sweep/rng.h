// The sweep's random numbers: std::mt19937_64 (whose output the C++ standard
// fixes) seeded from (seed, stream) through std::seed_seq (also fixed), with
// the transforms written here rather than std::*_distribution (whose
// algorithms each standard library picks). So a trial's draw depends on the
// seed and the trial's number only, on every platform, and a sweep that is
// resumed draws what it would have drawn.
#pragma once

#include <cstdint>
#include <random>

namespace cohort::sweep {

class Rng {
 public:
  Rng(uint64_t seed, uint64_t stream);

  uint64_t next() { return engine_(); }
  double uniform01();                       // [0, 1), 53 random bits
  double uniform(double low, double high);  // [low, high)
  double normal();                          // standard normal (Box-Muller)
  uint64_t below(uint64_t n);               // uniform on 0 .. n-1, unbiased; n > 0

 private:
  std::mt19937_64 engine_;
};

}  // namespace cohort::sweep
