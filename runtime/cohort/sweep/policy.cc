#include "cohort/sweep/policy.h"

#include <cmath>
#include <cstdio>

#include "cohort/core/error.h"
#include "cohort/sweep/policies.h"

namespace cohort::sweep {

const char* actionName(Action action) { return enumName(kActionNames, action); }

std::vector<int64_t> Policy::promotions(const std::vector<TrialSeries>&,
                                        const std::vector<int64_t>&) const {
  return {};
}

std::unique_ptr<Policy> makePolicy(const PolicySpec& spec, Goal goal) {
  switch (spec.kind) {
    case PolicyKind::kNone:
      return std::make_unique<NoPolicy>();
    case PolicyKind::kBandit:
      return std::make_unique<BanditPolicy>(spec, goal);
    case PolicyKind::kMedian:
      return std::make_unique<MedianPolicy>(spec, goal);
    case PolicyKind::kTruncation:
      return std::make_unique<TruncationPolicy>(spec, goal);
    case PolicyKind::kAsha:
      return std::make_unique<AshaPolicy>(spec, goal);
  }
  return std::make_unique<NoPolicy>();
}

double scoreOf(double value, Goal goal) {
  if (!std::isfinite(value)) return -std::numeric_limits<double>::infinity();
  return goal == Goal::kMaximize ? value : -value;
}

double bestUpTo(const TrialSeries& series, size_t k, Goal goal) {
  double best = std::numeric_limits<double>::quiet_NaN();
  for (size_t i = 0; i < k && i < series.points.size(); ++i) {
    const double v = series.points[i].value;
    if (std::isnan(best) || scoreOf(v, goal) > scoreOf(best, goal)) best = v;
  }
  return best;
}

double averageUpTo(const TrialSeries& series, size_t k) {
  double sum = 0;
  for (size_t i = 0; i < k; ++i) sum += series.points[i].value;
  return std::isfinite(sum) ? sum / static_cast<double>(k)
                            : std::numeric_limits<double>::quiet_NaN();
}

bool evaluatesAt(const PolicySpec& spec, size_t k) {
  const auto interval = static_cast<int64_t>(k);
  return interval >= 1 && interval % spec.evaluationInterval == 0 &&
         interval >= spec.delayEvaluation;
}

const TrialSeries& seriesOf(const std::vector<TrialSeries>& trials, int64_t trial) {
  for (const auto& series : trials) {
    if (series.trial == trial) return series;
  }
  throw Error(
      "the policy was asked about trial " + std::to_string(trial) + ", which the series given lack",
      "pass every trial's series, the one decided included");
}

std::string shown(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

Decision NoPolicy::decide(const std::vector<TrialSeries>& trials, int64_t trial) const {
  Decision d;
  d.interval = static_cast<int64_t>(seriesOf(trials, trial).points.size());
  d.reason = "no early termination policy";
  return d;
}

}  // namespace cohort::sweep
