// What a trial scored, and which trial is best. A trial's value is its last
// reported point in step order (its model is the one it ended with); the
// best trial is the completed one whose value is best for the goal (NaN
// and infinity never are).
#pragma once

#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cohort/sweep/store.h"
#include "cohort/sweep/tpe_sampler.h"

namespace cohort::sweep_tool {

// Trial `id`'s series in `series` (indexed by id - 1, as Store::series()
// returns them), or null when it has none.
const sweep::TrialSeries* seriesOf(const std::vector<sweep::TrialSeries>& series, int64_t id);

// The value of `series` (NaN when it has no point).
double trialValue(const sweep::TrialSeries& series);

// True when `a` is better than `b` for `goal` (a finite number beats NaN).
bool better(double a, double b, sweep::Goal goal);

struct BestTrial {
  int64_t trial = 0;
  double value = 0;
};

// `series` holds every trial's, indexed by id - 1 (Store::series()).
std::optional<BestTrial> bestTrial(const std::vector<sweep::TrialRecord>& trials,
                                   const std::vector<sweep::TrialSeries>& series, sweep::Goal goal);

// `x` as a table cell: "-" when it is not finite.
std::string valueText(double x);

// `x` as JSON (json or ordered_json): null when it is not finite, as JSON
// has no NaN or infinity.
template <typename Json>
Json finiteOrNull(double x) {
  return std::isfinite(x) ? Json(x) : Json();
}

// The completed and cut trials as the sampler's history.
std::vector<sweep::Observation> history(const std::map<int64_t, sweep::TrialRecord>& trials,
                                        const std::vector<sweep::TrialSeries>& series);

}  // namespace cohort::sweep_tool
