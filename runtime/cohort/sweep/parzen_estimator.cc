#include "cohort/sweep/parzen_estimator.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace cohort::sweep {

namespace {

constexpr double kTiny = 1e-300;

double normalCdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

// Picks an index with probability proportional to weights (which sum to 1).
size_t pick(const std::vector<double>& weights, Rng& rng) {
  double u = rng.uniform01();
  for (size_t i = 0; i < weights.size(); ++i) {
    if (u < weights[i]) return i;
    u -= weights[i];
  }
  return weights.size() - 1;
}

}  // namespace

std::vector<double> observationWeights(size_t n) {
  constexpr size_t kFlat = 25;
  std::vector<double> weights(n, 1.0);
  if (n <= kFlat) return weights;
  const size_t ramp = n - kFlat;
  const double first = 1.0 / static_cast<double>(n);
  for (size_t i = 0; i < ramp; ++i) {
    weights[i] =
        ramp == 1 ? first
                  : first + (1.0 - first) * static_cast<double>(i) / static_cast<double>(ramp - 1);
  }
  return weights;
}

NumericalParzen fitNumerical(const std::vector<double>& observations,
                             const std::vector<double>& weights, double low, double high,
                             double spanLow, double spanHigh, double priorMu, double priorSigma) {
  NumericalParzen p;
  p.low = low;
  p.high = high;
  p.mus = observations;
  p.mus.push_back(priorMu);
  p.weights = weights;
  p.weights.push_back(1.0);
  const size_t n = p.mus.size();
  const double span = spanHigh - spanLow;

  // Bandwidths from the gaps between sorted centres.
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return p.mus[a] < p.mus[b]; });
  p.sigmas.assign(n, span);
  for (size_t r = 0; r < n; ++r) {
    const double here = p.mus[order[r]];
    const double left = here - (r == 0 ? spanLow : p.mus[order[r - 1]]);
    const double right = (r + 1 == n ? spanHigh : p.mus[order[r + 1]]) - here;
    double sigma = std::max(left, right);
    if (n >= 2 && r == 0) sigma = right;
    if (n >= 2 && r + 1 == n) sigma = left;
    p.sigmas[order[r]] = sigma;
  }
  const double minSigma = span / std::min(100.0, 1.0 + static_cast<double>(n));
  for (double& sigma : p.sigmas) sigma = std::clamp(sigma, minSigma, span);
  p.sigmas.back() = priorSigma;

  const double total = std::accumulate(p.weights.begin(), p.weights.end(), 0.0);
  for (double& w : p.weights) w /= total;
  return p;
}

double NumericalParzen::sample(Rng& rng) const {
  const size_t i = pick(weights, rng);
  // Rejection from the component's normal: its centre lies in the range and
  // its width is at most the span, so a draw lands inside often.
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const double x = mus[i] + sigmas[i] * rng.normal();
    if (x >= low && x <= high) return x;
  }
  return std::clamp(mus[i], low, high);
}

double NumericalParzen::logPdf(double x) const {
  // log sum_i w_i N(x; mu_i, sigma_i) / Z_i, with Z_i the mass inside [low, high].
  std::vector<double> terms(weights.size());
  double top = -std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < weights.size(); ++i) {
    const double z = (x - mus[i]) / sigmas[i];
    const double mass =
        normalCdf((high - mus[i]) / sigmas[i]) - normalCdf((low - mus[i]) / sigmas[i]);
    terms[i] = std::log(weights[i]) - 0.5 * z * z - std::log(sigmas[i] * std::sqrt(2.0 * M_PI)) -
               std::log(std::max(mass, kTiny));
    top = std::max(top, terms[i]);
  }
  double sum = 0;
  for (double t : terms) sum += std::exp(t - top);
  return top + std::log(sum);
}

CategoricalParzen fitCategorical(const std::vector<size_t>& observations,
                                 const std::vector<double>& weights, size_t choices) {
  CategoricalParzen p;
  p.probabilities.assign(choices, 1.0 / static_cast<double>(choices));
  for (size_t i = 0; i < observations.size(); ++i) p.probabilities[observations[i]] += weights[i];
  const double total = std::accumulate(p.probabilities.begin(), p.probabilities.end(), 0.0);
  for (double& q : p.probabilities) q /= total;
  return p;
}

size_t CategoricalParzen::sample(Rng& rng) const { return pick(probabilities, rng); }

double CategoricalParzen::logPdf(size_t choice) const {
  return std::log(std::max(probabilities[choice], kTiny));
}

}  // namespace cohort::sweep
