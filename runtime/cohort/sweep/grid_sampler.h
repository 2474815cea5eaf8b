// Grid sampling: every combination of the discrete parameters' values
// (choice, quniform, qloguniform, randint), each exactly once. Point i is i
// written in mixed radix, the last parameter varying fastest, so trial i of
// a resumed sweep is the point it would have been.
#pragma once

#include <cstdint>
#include <optional>

#include "cohort/sweep/space.h"

namespace cohort::sweep {

// The number of points (the product of the parameters' value counts). Throws
// ConfigError for a continuous parameter (the sweep file refuses those).
uint64_t gridSize(const SearchSpace& space);

// Point `index`, or nullopt when index >= gridSize.
std::optional<Params> gridPoint(const SearchSpace& space, uint64_t index);

}  // namespace cohort::sweep
