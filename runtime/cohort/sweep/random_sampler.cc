#include "cohort/sweep/random_sampler.h"

#include <cmath>

namespace cohort::sweep {

nlohmann::json sampleValue(const Distribution& d, Rng& rng) {
  switch (d.kind) {
    case Kind::kChoice:
      return d.values[rng.below(d.values.size())];
    case Kind::kUniform:
      return rng.uniform(d.low, d.high);
    case Kind::kQUniform:
      return valueOf(d, rng.uniform(d.low, d.high));
    case Kind::kLogUniform:
      return std::exp(rng.uniform(std::log(d.low), std::log(d.high)));
    case Kind::kQLogUniform:
      return valueOf(d, std::exp(rng.uniform(std::log(d.low), std::log(d.high))));
    case Kind::kRandInt:
      return static_cast<int64_t>(d.low) +
             static_cast<int64_t>(rng.below(static_cast<uint64_t>(d.high - d.low)));
    case Kind::kNormal:
      return d.mu + d.sigma * rng.normal();
  }
  return nullptr;
}

Params sampleRandom(const SearchSpace& space, Rng& rng) {
  Params params = Params::object();
  for (const auto& parameter : space)
    params[parameter.name] = sampleValue(parameter.distribution, rng);
  return params;
}

}  // namespace cohort::sweep
