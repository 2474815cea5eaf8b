// Random sampling: every parameter drawn independently from its
// distribution (the formulas in space.h).
#pragma once

#include "cohort/sweep/rng.h"
#include "cohort/sweep/space.h"

namespace cohort::sweep {

// One value of `distribution`.
nlohmann::json sampleValue(const Distribution& distribution, Rng& rng);

// One value of every parameter, in the space's order.
Params sampleRandom(const SearchSpace& space, Rng& rng);

}  // namespace cohort::sweep
