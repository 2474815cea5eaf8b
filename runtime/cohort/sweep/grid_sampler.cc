#include "cohort/sweep/grid_sampler.h"

#include <cmath>

#include "cohort/core/error.h"

namespace cohort::sweep {

namespace {

// Value `i` of a discrete distribution, in discreteValues' order, without
// listing them all.
nlohmann::json valueAt(const Distribution& d, uint64_t i) {
  switch (d.kind) {
    case Kind::kChoice:
      return d.values[i];
    case Kind::kRandInt:
      return static_cast<int64_t>(d.low) + static_cast<int64_t>(i);
    default:
      return valueOf(d, (std::round(d.low / d.q) + static_cast<double>(i)) * d.q);
  }
}

}  // namespace

uint64_t gridSize(const SearchSpace& space) {
  uint64_t size = 1;
  for (const auto& parameter : space) {
    if (!parameter.distribution.discrete()) {
      throw ConfigError("grid sampling cannot cover " + parameter.name + ", a continuous " +
                            kindName(parameter.distribution.kind) + " parameter",
                        "use choice, quniform, qloguniform or randint, or sampler random or tpe");
    }
    size *= static_cast<uint64_t>(discreteCount(parameter.distribution));
  }
  return size;
}

std::optional<Params> gridPoint(const SearchSpace& space, uint64_t index) {
  if (index >= gridSize(space)) return std::nullopt;
  std::vector<nlohmann::json> chosen(space.size());
  for (size_t i = space.size(); i-- > 0;) {  // the last parameter is the lowest digit
    const auto count = static_cast<uint64_t>(discreteCount(space[i].distribution));
    chosen[i] = valueAt(space[i].distribution, index % count);
    index /= count;
  }
  Params params = Params::object();
  for (size_t i = 0; i < space.size(); ++i) params[space[i].name] = chosen[i];
  return params;
}

}  // namespace cohort::sweep
