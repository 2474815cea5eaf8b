#include "cohort/sweep/trial_lifecycle.h"

#include <cmath>

#include "cohort/core/error.h"
#include "cohort/sweep/metrics_line.h"
#include "cohort/sweep/space.h"

namespace cohort::sweep {

std::string nonFiniteValue(const std::vector<MetricPoint>& points, const Metric& metric) {
  if (points.empty() || std::isfinite(points.back().value)) return "";
  const double v = points.back().value;
  const bool maximize = metric.goal == Goal::kMaximize;
  std::string why = "its last " + metric.name + " (step " + std::to_string(points.back().step) +
                    ") is " + metricValueText(v);
  if (std::isinf(v) && (v > 0) == maximize) {
    why += ", which is out of the metric's sense (the best a " +
           std::string(maximize ? "maximized" : "minimized") +
           " metric could be): a fault, not a result";
  } else {
    why += ": the metric diverged";
  }
  return why + "; a trial whose value is not a finite number is failed, never best";
}

namespace {

TrialOutcome failed(const std::string& why) { return {TrialState::kFailed, why, "failed: " + why}; }

TrialOutcome requeued(const std::string& why) {
  return {TrialState::kQueued, "", why + "; requeued"};
}

}  // namespace

bool startResumes(const TrialRecord& trial) {
  if (trial.state == TrialState::kPaused) return true;
  if (trial.state == TrialState::kQueued) return trial.started > 0;
  throw Error("trial " + std::to_string(trial.id) + " is " + stateName(trial.state) +
                  ": only a queued or paused trial starts",
              "reload the trial's state before starting it");
}

std::optional<StopRequest> stopFor(const Decision& decision) {
  if (decision.action == Action::kContinue) return std::nullopt;
  return StopRequest{decision.action, decision};
}

bool worthRecording(const Decision& decision) {
  return decision.action != Action::kContinue || std::isfinite(decision.threshold);
}

StopRequest timeoutStop(double timeout_s) {
  Decision d;
  d.action = Action::kStop;
  d.reason = "limits.timeout: the sweep's " + numberText(timeout_s) + " s ran out";
  return {Action::kStop, d};
}

TrialOutcome settleTrial(const TrialEnd& e, const SweepSpec& spec) {
  const std::string diverged = nonFiniteValue(e.points, spec.metric);
  if (!e.failure.empty()) return failed(e.failure);
  if (e.stop) {  // the driver stopped it: the policy's word (or the sweep's timeout) decides
    if (e.stop->action == Action::kPause)
      return {TrialState::kPaused, "", "paused, to resume from " + e.outputs};
    if (e.stop->action == Action::kComplete) {
      if (!diverged.empty()) return failed(diverged);
      return {TrialState::kCompleted, e.stop->decision.reason, "completed"};
    }
    return {TrialState::kCut, e.stop->decision.reason, "cut"};
  }
  // Stopped with the sweep (SIGINT, SIGTERM): a later `run` starts it again.
  if (e.sweep_stopping) return requeued("stopped with the sweep");
  if (!e.job.known) return requeued("its job ended without a record");
  if (e.job.exit_status != 0 && !e.job.slurm_job_id.empty() && e.job.slurm_job_id != e.allocation) {
    // Its srun step ended with an allocation that is not this driver's:
    // the allocation ended under it (a killed driver's), not the trial.
    return requeued("its allocation (Slurm job " + e.job.slurm_job_id + ") ended under it");
  }
  if (e.job.exit_status == 0 && !e.points.empty()) {
    if (!diverged.empty()) return failed(diverged);
    return {TrialState::kCompleted, "",
            "completed, " + spec.metric.name + " " + numberText(e.points.back().value)};
  }
  if (e.job.exit_status == 0) {
    return failed("it exited 0 but never reported " + spec.metric.name + " in " + e.metrics +
                  " (docs/sweep.md: Reporting the metric)");
  }
  if (e.job.exit_status == 124) {
    return failed("limits.trial_timeout (" + numberText(spec.limits.trialTimeoutS) + " s) ran out");
  }
  return failed(e.job.root_cause.empty() ? "cohortrun exited " + std::to_string(e.job.exit_status)
                                         : e.job.root_cause);
}

TrialOutcome lostJob(const std::string& job_id) {
  return requeued("its job " + job_id + " is gone");
}

TrialOutcome unpromoted(int64_t intervals) {
  const std::string why = "asha: paused at interval " + std::to_string(intervals) +
                          " and not promoted before the sweep ended";
  return {TrialState::kCut, why, "cut (" + why + ")"};
}

}  // namespace cohort::sweep
