#include "sweep/trial_value.h"

#include <cmath>
#include <limits>

#include "cohort/sweep/space.h"

namespace cohort::sweep_tool {
const sweep::TrialSeries* seriesOf(const std::vector<sweep::TrialSeries>& series, int64_t id) {
  if (id < 1 || id > static_cast<int64_t>(series.size())) return nullptr;
  return &series[static_cast<size_t>(id - 1)];
}

double trialValue(const sweep::TrialSeries& series) {
  return series.points.empty() ? std::numeric_limits<double>::quiet_NaN()
                               : series.points.back().value;
}

std::string valueText(double x) { return std::isfinite(x) ? sweep::numberText(x) : "-"; }

bool better(double a, double b, sweep::Goal goal) {
  if (!std::isfinite(a)) return false;
  if (!std::isfinite(b)) return true;
  return goal == sweep::Goal::kMaximize ? a > b : a < b;
}

std::optional<BestTrial> bestTrial(const std::vector<sweep::TrialRecord>& trials,
                                   const std::vector<sweep::TrialSeries>& series,
                                   sweep::Goal goal) {
  std::optional<BestTrial> best;
  for (const auto& t : trials) {
    const auto* s = seriesOf(series, t.id);
    if (t.state != sweep::TrialState::kCompleted || !s) continue;
    const double v = trialValue(*s);
    if (std::isfinite(v) && (!best || better(v, best->value, goal))) best = BestTrial{t.id, v};
  }
  return best;
}

std::vector<sweep::Observation> history(const std::map<int64_t, sweep::TrialRecord>& trials,
                                        const std::vector<sweep::TrialSeries>& series) {
  std::vector<sweep::Observation> out;
  for (const auto& [id, t] : trials) {
    const auto* s = seriesOf(series, id);
    // A cut trial counts with the last value it reached, as Optuna's TPE
    // counts pruned trials: without it, TPE keeps proposing what the policy cuts.
    const bool judged =
        t.state == sweep::TrialState::kCompleted || t.state == sweep::TrialState::kCut;
    if (judged && s && !s->points.empty()) out.push_back({t.params, trialValue(*s)});
  }
  return out;
}

}  // namespace cohort::sweep_tool
