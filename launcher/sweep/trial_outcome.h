// How a trial whose job ended is settled: completed, cut, paused, failed or
// requeued, and why (docs/sweep.md, "Ends of a trial"). Pure logic over what
// the driver knows of the end, so each row of that table is tested alone
// (tests/sweep/test_trial_outcome.cc); the driver applies the outcome to the
// store.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cohort/sweep/policy.h"
#include "cohort/sweep/store.h"
#include "cohort/sweep/sweep_spec.h"
#include "sweep/stop_request.h"
#include "sweep/trial_job.h"

namespace cohort::sweep_tool {

struct TrialEnd {
  JobEnd job;                              // how cohortrun's job ended
  std::optional<StopRequest> stop;         // why the driver stopped it, if it did
  std::string failure;                     // why the driver failed it while it ran ("": it did not)
  std::vector<sweep::MetricPoint> points;  // its metric, in step order
  std::string allocation;                  // the driver's Slurm job ("" outside Slurm)
  std::string logs;                        // its logs folder, for messages
  std::string outputs;                     // its outputs folder, for messages
};

struct TrialOutcome {
  sweep::TrialState state = sweep::TrialState::kFailed;  // kQueued: requeue it
  std::string reason;  // stored with a final state ("" for completed by exit 0)
  std::string note;    // what the driver's log says after "trial N: "
};

TrialOutcome settleTrial(const TrialEnd& end, const sweep::SweepSpec& spec);

// Why a trial that would complete must fail instead: its last point is not a
// finite number (See Note [Non-finite metrics] in metrics_line.h); "" when
// it is, or there is none.
std::string nonFiniteValue(const std::vector<sweep::MetricPoint>& points,
                           const sweep::Metric& metric);

}  // namespace cohort::sweep_tool
