// ASHA, asynchronous successive halving (Li et al., "A System for Massively
// Parallel Hyperparameter Tuning", MLSys 2020). Rung r is at interval
// min_resource * reduction_factor^r (below max_resource when one is set).
// A trial reaching a rung goes on when it is in the top
// floor(m / reduction_factor) of the m trials that have reached that rung
// so far (by their value at the rung's interval), else it pauses there;
// a paused trial is promoted as soon as later arrivals put it in that top
// group. A trial that reaches max_resource is complete.
#include <cmath>

#include "cohort/sweep/policies.h"

namespace cohort::sweep {

int AshaPolicy::rungAt(size_t k) const {
  int64_t resource = spec_.minResource;
  for (int r = 0; resource <= static_cast<int64_t>(k); ++r) {
    if (spec_.maxResource > 0 && resource >= spec_.maxResource) return -1;
    if (resource == static_cast<int64_t>(k)) return r;
    if (resource > INT64_MAX / spec_.reductionFactor) return -1;
    resource *= spec_.reductionFactor;
  }
  return -1;
}

Decision AshaPolicy::judgeAtRung(const std::vector<TrialSeries>& trials, const TrialSeries& series,
                                 size_t r) const {
  const auto k = static_cast<size_t>(spec_.minResource *
                                     static_cast<int64_t>(std::pow(spec_.reductionFactor, r)));
  Decision d;
  d.interval = static_cast<int64_t>(series.points.size());
  d.value = series.points[k - 1].value;
  const double mine = scoreOf(d.value, goal_);
  int64_t m = 0, better = 0;
  for (const auto& other : trials) {
    if (other.points.size() < k) continue;
    ++m;
    if (scoreOf(other.points[k - 1].value, goal_) > mine) ++better;
  }
  const int64_t top = m / spec_.reductionFactor;
  d.threshold = static_cast<double>(top);
  const bool promoted = better < top;
  d.action = promoted ? Action::kContinue : Action::kPause;
  d.reason = "asha rung " + std::to_string(r) + " (interval " + std::to_string(k) + "): value " +
             shown(d.value) + ", " + std::to_string(better) + " of " + std::to_string(m) +
             " trials better; the top " + std::to_string(top) + " go on" +
             (promoted ? "" : ", so this one waits");
  return d;
}

Decision AshaPolicy::decide(const std::vector<TrialSeries>& trials, int64_t trial) const {
  const TrialSeries& self = seriesOf(trials, trial);
  const size_t k = self.points.size();
  if (spec_.maxResource > 0 && static_cast<int64_t>(k) >= spec_.maxResource) {
    Decision d;
    d.interval = static_cast<int64_t>(k);
    d.action = Action::kComplete;
    d.reason = "asha: the trial has had max_resource (" + std::to_string(spec_.maxResource) +
               " intervals)";
    return d;
  }
  const int r = rungAt(k);
  if (r < 0) {
    Decision d;
    d.interval = static_cast<int64_t>(k);
    d.reason = "asha: interval " + std::to_string(k) + " is not a rung";
    return d;
  }
  return judgeAtRung(trials, self, static_cast<size_t>(r));
}

std::vector<int64_t> AshaPolicy::promotions(const std::vector<TrialSeries>& trials,
                                            const std::vector<int64_t>& paused) const {
  std::vector<int64_t> out;
  for (int64_t id : paused) {
    const TrialSeries& series = seriesOf(trials, id);
    const int r = rungAt(series.points.size());
    if (r >= 0 && judgeAtRung(trials, series, static_cast<size_t>(r)).action == Action::kContinue)
      out.push_back(id);
  }
  return out;
}

}  // namespace cohort::sweep
