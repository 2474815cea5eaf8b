// The Parzen estimators TPE compares (See Note [TPE] in tpe_sampler.h): a
// weighted mixture of normals truncated to the parameter's range, one per
// observation plus a wide prior, and its categorical counterpart.
#pragma once

#include <cstddef>
#include <vector>

#include "cohort/sweep/rng.h"

namespace cohort::sweep {

// The weight of each of `n` observations, oldest first: 1 for the newest 25,
// a ramp from 1/n up to 1 for the older ones (Optuna's default_weights), so
// the model follows recent trials more.
std::vector<double> observationWeights(size_t n);

struct NumericalParzen {
  double low = 0, high = 0;                  // the truncation bounds (may be infinite)
  std::vector<double> weights, mus, sigmas;  // weights sum to 1

  double sample(Rng& rng) const;
  double logPdf(double x) const;
};

// The estimator of `observations` (with their `weights`) truncated to
// [low, high]. The prior, N(priorMu, priorSigma) with weight 1, is one more
// component. Each other component's bandwidth is the larger of the gaps to
// its neighbours among the sorted centres (prior included; the outermost
// take the gap to their one inner neighbour), clipped to
// [span / min(100, 1 + components), span] with span = spanHigh - spanLow:
// Bergstra et al.'s rule with Optuna's "magic clip". span is finite even
// where the bounds are not (normal).
NumericalParzen fitNumerical(const std::vector<double>& observations,
                             const std::vector<double>& weights, double low, double high,
                             double spanLow, double spanHigh, double priorMu, double priorSigma);

struct CategoricalParzen {
  std::vector<double> probabilities;  // one per choice, sum to 1

  size_t sample(Rng& rng) const;
  double logPdf(size_t choice) const;
};

// p(c) proportional to 1/K (the prior, K choices) plus the weights of the
// observations of c.
CategoricalParzen fitCategorical(const std::vector<size_t>& observations,
                                 const std::vector<double>& weights, size_t choices);

}  // namespace cohort::sweep
