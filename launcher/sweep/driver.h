// The sweep driver: `cohort-sweep run`. It keeps up to max_concurrent
// trials running as cohortrun jobs, follows their metrics, applies the
// early-termination policy, records everything in the store, and at the
// end registers the best trial's model.
//
// Note [Driver loop]: one thread, a poll every `poll_s` (or sooner, when a
// signal arrives; a trial's end, SIGCHLD, wakes it too):
//   1. signals: SIGINT/SIGTERM stop every trial through cohortrun; the
//      stopped trials go back to the queue (a later `run` resumes them) and
//      the driver exits 128+signal;
//   2. each running trial's new metric points go into the store, and the
//      policy decides at each new interval: cut, pause (asha) or complete
//      (asha's max_resource) stop the job through cohortrun (SIGTERM, the
//      grace period, an emergency checkpoint) with the decision recorded;
//   3. an ended job is completed, cut, paused, failed (with cohortrun's root
//      cause) or, when the driver stopped it, requeued;
//   4. asha's promotions restart paused trials from their outputs folder;
//   5. free slots take queued trials first, then new ones from the sampler.
// The sweep ends when no trial runs or waits and the budget (max_trials,
// the grid, timeout) is spent; trials still paused then are cut.
// A trial's value is its last reported point (the model it leaves is the
// last one); the best trial is the completed one with the best value.
// What each event makes of a trial is decided by cohort/sweep's
// trial_lifecycle.h (See Note [Trial lifecycle]); which trial starts and
// where, by schedule.h; registering the best once, by register_once.h. This
// file is the loop, the jobs and the store.
#pragma once

#include <string>

namespace cohort::sweep_tool {

struct DriverOptions {
  std::string sweep_file;
  std::string dir;        // the sweep folder
  std::string cohortrun;  // the launcher that runs each trial
  double poll_s = 0.2;
  double grace_s = 10;  // for trials the driver stops
  bool quiet = false;   // no progress lines
};

// Runs (or resumes) the sweep; the exit status: 0 when it ended, 1 when no
// trial completed, 128+S when stopped by signal S. Throws ConfigError for a
// sweep that cannot start (bad file, another driver on the folder, a store
// of another sweep).
int runSweep(const DriverOptions& options);

}  // namespace cohort::sweep_tool
