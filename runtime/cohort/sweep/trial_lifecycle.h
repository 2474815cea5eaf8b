// A trial's lifecycle: which state each event moves it to, and why. Pure
// logic over what the driver knows (no process, no file), so each
// transition is tested alone (tests/sweep/test_trial_lifecycle.cc); the
// driver (launcher/sweep/driver.cc) applies the outcome to the store and to
// the trial's job.
//
// Note [Trial lifecycle]: the states are store.h's TrialState.
//   queued  -> running   started; a trial that ran before resumes (startResumes)
//   paused  -> running   promoted by asha; it resumes from its outputs folder
//   running: the driver asks its job to stop when the policy says stop, pause
//            or complete (stopFor), or the sweep's limits.timeout runs out
//            (timeoutStop); a stopped job still ends through settleTrial
//   running -> completed | failed | cut | paused | queued
//            its job ended: settleTrial, docs/sweep.md's "Ends of a trial"
//   running -> queued    a restarted driver finds its job gone with no record (lostJob)
//   paused  -> cut       the sweep ended before asha promoted it (unpromoted)
// completed, failed and cut are final (Store refuses to move them).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cohort/sweep/policy.h"
#include "cohort/sweep/store.h"
#include "cohort/sweep/sweep_spec.h"

namespace cohort::sweep {

// How a trial's job ended, as cohortrun's exit and its run.json say.
struct JobEnd {
  bool known = false;    // false: gone without a final record (requeue it)
  int exit_status = -1;  // cohortrun's (docs/cohortrun.md's table); 128+S: killed by signal S
  std::string root_cause;
  std::string slurm_job_id;  // the allocation it ran in (run.json), if any
};

// Why the driver stopped a trial (the policy's decision, or the sweep's timeout).
struct StopRequest {
  Action action = Action::kStop;  // kStop, kPause or kComplete
  Decision decision;
};

struct TrialEnd {
  JobEnd job;                       // how cohortrun's job ended
  std::optional<StopRequest> stop;  // why the driver stopped it, if it did
  std::string failure;              // why the driver failed it while it ran ("": it did not)
  bool sweep_stopping = false;      // the sweep is stopping on a signal
  std::vector<MetricPoint> points;  // its metric, in step order
  std::string allocation;           // the driver's Slurm job ("" outside Slurm)
  std::string metrics;              // its metrics file, for messages
  std::string outputs;              // its outputs folder, for messages
};

struct TrialOutcome {
  TrialState state = TrialState::kFailed;  // kQueued: requeue it
  std::string reason;                      // stored with a final state ("" for completed by exit 0)
  std::string note;                        // what the driver's log says after "trial N: "
};

// Whether starting `trial` resumes it from its outputs folder: a paused
// trial always does, a queued one when it ran before (it was requeued).
// Throws Error for a trial in any other state: only queued and paused start.
bool startResumes(const TrialRecord& trial);

// The stop the policy's `decision` asks for, or nullopt when it continues.
std::optional<StopRequest> stopFor(const Decision& decision);

// Whether `decision` goes into the store's decisions: every stop, and a
// continue that was compared with a threshold.
bool worthRecording(const Decision& decision);

// The stop of every running trial when limits.timeout (`timeout_s`) runs out.
StopRequest timeoutStop(double timeout_s);

// An ended job's trial: completed, cut, paused, failed or requeued.
TrialOutcome settleTrial(const TrialEnd& end, const SweepSpec& spec);

// A running trial whose job `job_id` a restarted driver found gone without a record.
TrialOutcome lostJob(const std::string& job_id);

// A trial still paused at interval `intervals` when the sweep ends.
TrialOutcome unpromoted(int64_t intervals);

// Why a trial that would complete must fail instead: its last point is not a
// finite number (See Note [Non-finite metrics] in metrics_line.h); "" when
// it is, or there is none.
std::string nonFiniteValue(const std::vector<MetricPoint>& points, const Metric& metric);

}  // namespace cohort::sweep
