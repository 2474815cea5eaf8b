#include "cohort/sweep/tpe_sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "cohort/sweep/parzen_estimator.h"
#include "cohort/sweep/random_sampler.h"

namespace cohort::sweep {

namespace {

// A numerical parameter in the scale TPE models it in (See Note [TPE]).
struct Scale {
  double low, high;          // truncation bounds
  double spanLow, spanHigh;  // finite range for bandwidths
  double priorMu, priorSigma;
};

// TPE's choice: of `candidates` draws from l (the good trials' estimator), the
// one with the largest log l(x) - log g(x) (g: the bad trials'); the first
// draw wins ties.
template <typename Parzen>
auto bestCandidate(const Parzen& l, const Parzen& g, int64_t candidates, Rng& rng) {
  auto best = l.sample(rng);
  double bestScore = l.logPdf(best) - g.logPdf(best);
  for (int64_t i = 1; i < candidates; ++i) {
    const auto x = l.sample(rng);
    const double score = l.logPdf(x) - g.logPdf(x);
    if (score > bestScore) {
      best = x;
      bestScore = score;
    }
  }
  return best;
}

Scale scaleOf(const Distribution& d) {
  double low = d.low, high = d.high;
  switch (d.kind) {
    case Kind::kLogUniform:
    case Kind::kQLogUniform:
      low = std::log(d.low);
      high = std::log(d.high);
      break;
    case Kind::kQUniform:
      low = d.low - d.q / 2;
      high = d.high + d.q / 2;
      break;
    case Kind::kNormal: {
      const double inf = std::numeric_limits<double>::infinity();
      return {-inf, inf, d.mu - 3 * d.sigma, d.mu + 3 * d.sigma, d.mu, d.sigma};
    }
    default:
      break;  // uniform; randint's cells [v, v + 1) cover [low, high)
  }
  return {low, high, low, high, (low + high) / 2, high - low};
}

// An observed value in the model's scale; false when it is not a number.
bool toScale(const Distribution& d, const nlohmann::json& value, double* x) {
  if (!value.is_number()) return false;
  const double v = value.get<double>();
  if (!std::isfinite(v)) return false;
  switch (d.kind) {
    case Kind::kLogUniform:
    case Kind::kQLogUniform:
      if (v <= 0) return false;
      *x = std::log(v);
      return true;
    case Kind::kRandInt:
      *x = v + 0.5;
      return true;
    default:
      *x = v;
      return true;
  }
}

nlohmann::json fromScale(const Distribution& d, double x) {
  switch (d.kind) {
    case Kind::kLogUniform:
      return std::exp(x);
    case Kind::kQLogUniform:
      return valueOf(d, std::exp(x));
    default:
      return valueOf(d, x);  // rounds quniform, floors randint
  }
}

nlohmann::json sampleNumerical(const Distribution& d, const std::vector<const Observation*>& good,
                               const std::vector<const Observation*>& bad, const std::string& name,
                               const SamplerSpec& settings, Rng& rng) {
  const Scale s = scaleOf(d);
  const auto values = [&](const std::vector<const Observation*>& group) {
    std::vector<double> out;
    for (const Observation* o : group) {
      double x = 0;
      const auto it = o->params.find(name);
      if (it != o->params.end() && toScale(d, *it, &x)) out.push_back(x);
    }
    return out;
  };
  const std::vector<double> g = values(good), b = values(bad);
  const NumericalParzen l = fitNumerical(g, observationWeights(g.size()), s.low, s.high, s.spanLow,
                                         s.spanHigh, s.priorMu, s.priorSigma);
  const NumericalParzen gBad = fitNumerical(b, observationWeights(b.size()), s.low, s.high,
                                            s.spanLow, s.spanHigh, s.priorMu, s.priorSigma);
  return fromScale(d, bestCandidate(l, gBad, settings.nEiCandidates, rng));
}

nlohmann::json sampleChoice(const Distribution& d, const std::vector<const Observation*>& good,
                            const std::vector<const Observation*>& bad, const std::string& name,
                            const SamplerSpec& settings, Rng& rng) {
  const auto indices = [&](const std::vector<const Observation*>& group) {
    std::vector<size_t> out;
    for (const Observation* o : group) {
      const auto it = o->params.find(name);
      if (it == o->params.end()) continue;
      const nlohmann::json value(*it);
      const auto at = std::find(d.values.begin(), d.values.end(), value);
      if (at != d.values.end()) out.push_back(static_cast<size_t>(at - d.values.begin()));
    }
    return out;
  };
  const std::vector<size_t> g = indices(good), b = indices(bad);
  const CategoricalParzen l = fitCategorical(g, observationWeights(g.size()), d.values.size());
  const CategoricalParzen gBad = fitCategorical(b, observationWeights(b.size()), d.values.size());
  return d.values[bestCandidate(l, gBad, settings.nEiCandidates, rng)];
}

}  // namespace

Params sampleTpe(const SearchSpace& space, const std::vector<Observation>& history, Goal goal,
                 const SamplerSpec& settings, Rng& rng) {
  // 1. Only trials with a finite value count; too few of them: random.
  std::vector<size_t> usable;
  for (size_t i = 0; i < history.size(); ++i) {
    if (std::isfinite(history[i].value)) usable.push_back(i);
  }
  if (static_cast<int64_t>(usable.size()) < settings.nStartupTrials)
    return sampleRandom(space, rng);

  // 2. Best first (ties: the older trial first); the first n_good are good.
  std::vector<size_t> ranked = usable;
  std::stable_sort(ranked.begin(), ranked.end(), [&](size_t a, size_t b) {
    return goal == Goal::kMaximize ? history[a].value > history[b].value
                                   : history[a].value < history[b].value;
  });
  const auto nGood = std::min<size_t>(
      static_cast<size_t>(std::ceil(settings.gamma * static_cast<double>(ranked.size()))), 25);
  std::vector<bool> isGood(history.size(), false);
  for (size_t r = 0; r < nGood; ++r) isGood[ranked[r]] = true;
  // Each group in trial order, oldest first, for the weights.
  std::vector<const Observation*> good, bad;
  for (size_t i : usable) (isGood[i] ? good : bad).push_back(&history[i]);

  // 3, 4. Per parameter: fit l and g, keep the best of the candidates.
  Params params = Params::object();
  for (const auto& parameter : space) {
    const auto& d = parameter.distribution;
    params[parameter.name] = d.kind == Kind::kChoice
                                 ? sampleChoice(d, good, bad, parameter.name, settings, rng)
                                 : sampleNumerical(d, good, bad, parameter.name, settings, rng);
  }
  return params;
}

}  // namespace cohort::sweep
