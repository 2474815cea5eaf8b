// The next trial's parameters, whichever sampler the sweep names: a pure
// function of the sweep, the trial's number and the trials so far, so a
// resumed sweep asks for what it would have asked for.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "cohort/sweep/sweep_spec.h"
#include "cohort/sweep/tpe_sampler.h"

namespace cohort::sweep {

// The parameters of trial `index` (0 for the first trial created): grid
// point `index`, or a random or TPE draw from Rng(seed, index) given
// `history`. nullopt when the grid has no point `index`.
std::optional<Params> nextParams(const SweepSpec& spec, uint64_t index,
                                 const std::vector<Observation>& history);

}  // namespace cohort::sweep
