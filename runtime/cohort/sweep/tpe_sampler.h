// The tree-structured Parzen estimator (TPE) sampler.
//
// Note [TPE]: Bergstra et al., "Algorithms for Hyper-Parameter Optimization"
// (NeurIPS 2011), as Optuna's TPESampler does it with its defaults
// (independent per parameter, a prior component, Optuna's weights and
// bandwidth clip):
//   1. Until n_startup_trials trials have a finite value, sample at random.
//   2. Sort the n observations best first (by the goal) and call the first
//      min(ceil(gamma * n), 25) good, the rest bad.
//   3. Per parameter, fit a Parzen estimator l(x) to the good trials' values
//      and g(x) to the bad ones' (parzen_estimator.h), in the parameter's own
//      scale: log for loguniform and qloguniform, the cell centre v + 0.5 for
//      randint, the value itself otherwise; choice gets the categorical one.
//   4. Draw n_ei_candidates values from l and keep the one with the largest
//      log l(x) - log g(x) (the expected improvement's maximiser).
// Quantised parameters are modelled as continuous (quniform's range widened
// by q/2 each side) and the chosen value rounded; normal is modelled on the
// whole line with its own N(mu, sigma) as the prior. Trials whose value is
// NaN or infinite are left out, as Optuna leaves out failed trials.
#pragma once

#include <vector>

#include "cohort/sweep/rng.h"
#include "cohort/sweep/space.h"
#include "cohort/sweep/sweep_spec.h"

namespace cohort::sweep {

// A finished (or cut) trial as a sampler sees it: its parameters and the
// metric value it is judged by, oldest trial first.
struct Observation {
  Params params;
  double value = 0;
};

// One value of every parameter of `space`, given the trials so far.
Params sampleTpe(const SearchSpace& space, const std::vector<Observation>& history, Goal goal,
                 const SamplerSpec& settings, Rng& rng);

}  // namespace cohort::sweep
