// Bandit (HyperDrive's BanditPolicy). At an evaluation interval k, with Y the
// trial's best value over intervals 1..k and B the best of every trial's
// best over 1..k (this trial's included, trials that reached k only):
//   maximize: cut when Y < B / (1 + slack_factor)   or Y < B - slack_amount
//   minimize: cut when Y > B * (1 + slack_factor)   or Y > B + slack_amount
// HyperDrive's example: B = 0.8, slack_factor 0.2: cut below 0.8 / 1.2 = 0.667.
#include <cmath>

#include "cohort/sweep/policies.h"

namespace cohort::sweep {

Decision BanditPolicy::decide(const std::vector<TrialSeries>& trials, int64_t trial) const {
  const TrialSeries& self = seriesOf(trials, trial);
  const size_t k = self.points.size();
  Decision d;
  d.interval = static_cast<int64_t>(k);
  if (!evaluatesAt(spec_, k)) {
    d.reason = "bandit: interval " + std::to_string(k) + " is not an evaluation interval";
    return d;
  }
  double best = std::nan("");
  int64_t bestTrial = -1;
  for (const auto& other : trials) {
    if (other.points.size() < k) continue;
    const double v = bestUpTo(other, k, goal_);
    if (bestTrial < 0 || scoreOf(v, goal_) > scoreOf(best, goal_)) {
      best = v;
      bestTrial = other.trial;
    }
  }
  d.value = bestUpTo(self, k, goal_);
  if (!std::isfinite(best)) {
    d.reason = "bandit: no trial has a finite value at interval " + std::to_string(k);
    return d;
  }
  const bool maximize = goal_ == Goal::kMaximize;
  const bool ratio = spec_.slackFactor > 0;
  if (ratio) {
    d.threshold = maximize ? best / (1 + spec_.slackFactor) : best * (1 + spec_.slackFactor);
  } else {
    d.threshold = maximize ? best - spec_.slackAmount : best + spec_.slackAmount;
  }
  const bool cut =
      !std::isfinite(d.value) || (maximize ? d.value < d.threshold : d.value > d.threshold);
  const std::string formula =
      ratio ? shown(best) + (maximize ? " / " : " * ") + "(1 + " + shown(spec_.slackFactor) + ")"
            : shown(best) + (maximize ? " - " : " + ") + shown(spec_.slackAmount);
  d.action = cut ? Action::kStop : Action::kContinue;
  d.reason = "bandit at interval " + std::to_string(k) + ": this trial's best " + shown(d.value) +
             (cut ? (maximize ? " < " : " > ") : " is within ") + formula + " = " +
             shown(d.threshold) + " (best: trial " + std::to_string(bestTrial) + ")";
  return d;
}

}  // namespace cohort::sweep
