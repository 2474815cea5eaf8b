// Median stopping (HyperDrive's MedianStoppingPolicy). At an evaluation
// interval k: the running average over intervals 1..k of every other trial
// that reached k (running or finished); the trial is cut when its best
// value over 1..k is worse than the median of those averages. With no other
// trial at k it goes on.
#include <algorithm>
#include <cmath>

#include "cohort/sweep/policies.h"

namespace cohort::sweep {

Decision MedianPolicy::decide(const std::vector<TrialSeries>& trials, int64_t trial) const {
  const TrialSeries& self = seriesOf(trials, trial);
  const size_t k = self.points.size();
  Decision d;
  d.interval = static_cast<int64_t>(k);
  if (!evaluatesAt(spec_, k)) {
    d.reason = "median: interval " + std::to_string(k) + " is not an evaluation interval";
    return d;
  }
  std::vector<double> scores;  // of the other trials' running averages
  for (const auto& other : trials) {
    if (other.trial != trial && other.points.size() >= k)
      scores.push_back(scoreOf(averageUpTo(other, k), goal_));
  }
  d.value = bestUpTo(self, k, goal_);
  if (scores.empty()) {
    d.reason = "median: no other trial has reached interval " + std::to_string(k);
    return d;
  }
  std::sort(scores.begin(), scores.end());
  const size_t n = scores.size();
  const double median = n % 2 == 1 ? scores[n / 2] : (scores[n / 2 - 1] + scores[n / 2]) / 2;
  d.threshold = goal_ == Goal::kMaximize ? median : -median;
  const bool cut = scoreOf(d.value, goal_) < median;
  d.action = cut ? Action::kStop : Action::kContinue;
  d.reason = "median at interval " + std::to_string(k) + ": this trial's best " + shown(d.value) +
             (cut ? " is worse than " : " is no worse than ") + "the median " + shown(d.threshold) +
             " of the running averages of " + std::to_string(n) + " other trials";
  return d;
}

}  // namespace cohort::sweep
