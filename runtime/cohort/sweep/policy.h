// Early termination: whether a running trial goes on, given every trial's
// reported metric (docs/sweep.md gives each policy's exact rule).
//
// An interval is one report of the metric (HyperDrive's definition): a
// trial's k-th point, in step order, is its interval k. Comparisons at
// interval k use only the first k points of each trial, so a decision
// depends on what was known when it was made, and trials are compared at
// equal progress. A NaN or infinite value is worse than any finite one.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "cohort/sweep/enum_names.h"
#include "cohort/sweep/sweep_spec.h"

namespace cohort::sweep {

struct MetricPoint {
  int64_t step = 0;
  double value = 0;
};

struct TrialSeries {
  int64_t trial = 0;
  bool finished = false;            // completed, cut or failed: reports no more
  std::vector<MetricPoint> points;  // in step order
};

enum class Action {
  kContinue,
  kStop,      // cut: worse than the policy allows
  kPause,     // asha: wait at this rung until promoted (Policy::promotions)
  kComplete,  // asha: the trial has had max_resource; end it as completed
};

// See Note [Enum names] in enum_names.h.
inline constexpr EnumName<Action> kActionNames[] = {{Action::kContinue, "continue"},
                                                    {Action::kStop, "stop"},
                                                    {Action::kPause, "pause"},
                                                    {Action::kComplete, "complete"}};

const char* actionName(Action action);

struct Decision {
  Action action = Action::kContinue;
  int64_t interval = 0;                                         // the interval decided at
  double value = std::numeric_limits<double>::quiet_NaN();      // the trial's number compared
  double threshold = std::numeric_limits<double>::quiet_NaN();  // what it was compared with
  std::string reason;  // one line: the rule and the numbers
};

class Policy {
 public:
  virtual ~Policy() = default;

  // The decision for trial `trial` (one of `trials`) at its latest interval.
  virtual Decision decide(const std::vector<TrialSeries>& trials, int64_t trial) const = 0;

  // The trials of `paused` that may go on now (asha; no other policy pauses).
  virtual std::vector<int64_t> promotions(const std::vector<TrialSeries>& trials,
                                          const std::vector<int64_t>& paused) const;
};

// The policy `spec` names, judging by `goal`; `none` continues every trial.
std::unique_ptr<Policy> makePolicy(const PolicySpec& spec, Goal goal);

}  // namespace cohort::sweep
