// Truncation selection (HyperDrive's TruncationSelectionPolicy). At an
// evaluation interval k, the n trials that reached k (less the finished ones
// with exclude_finished, this one always in) are ranked by their value at
// interval k; the worst floor(n * truncation_percentage / 100) are cut. A
// trial is among them when at least n - that many trials are strictly
// better, so ties are kept.
#include <cmath>

#include "cohort/sweep/policies.h"

namespace cohort::sweep {

Decision TruncationPolicy::decide(const std::vector<TrialSeries>& trials, int64_t trial) const {
  const TrialSeries& self = seriesOf(trials, trial);
  const size_t k = self.points.size();
  Decision d;
  d.interval = static_cast<int64_t>(k);
  if (!evaluatesAt(spec_, k)) {
    d.reason = "truncation: interval " + std::to_string(k) + " is not an evaluation interval";
    return d;
  }
  d.value = self.points[k - 1].value;
  const double mine = scoreOf(d.value, goal_);
  int64_t n = 0, better = 0;
  for (const auto& other : trials) {
    if (other.points.size() < k) continue;
    if (other.trial != trial && other.finished && spec_.excludeFinished) continue;
    ++n;
    if (scoreOf(other.points[k - 1].value, goal_) > mine) ++better;
  }
  const int64_t cutCount = n * spec_.truncationPercentage / 100;
  d.threshold = static_cast<double>(n - cutCount);
  const bool cut = cutCount > 0 && better >= n - cutCount;
  d.action = cut ? Action::kStop : Action::kContinue;
  d.reason = "truncation at interval " + std::to_string(k) + ": value " + shown(d.value) + ", " +
             std::to_string(better) + " of " + std::to_string(n) + " trials better; the worst " +
             std::to_string(cutCount) + " (" + std::to_string(spec_.truncationPercentage) +
             "%) are cut" + (cut ? ", this one among them" : "");
  return d;
}

}  // namespace cohort::sweep
