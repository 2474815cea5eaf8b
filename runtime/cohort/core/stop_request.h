// A graceful stop on SIGTERM (what cohortrun, Slurm and schedulers send
// before SIGKILL): while a StopRequestGuard lives, the first SIGTERM only sets
// a flag that the training loop polls between steps (the Checkpointer does, in
// due()), so the rank can write an emergency checkpoint within the grace
// period; a second SIGTERM ends the process as the default action would.
#pragma once

namespace cohort {

class StopRequestGuard {
 public:
  StopRequestGuard();   // installs the handler (and clears the flag)
  ~StopRequestGuard();  // puts the previous handler back
  StopRequestGuard(const StopRequestGuard&) = delete;
  StopRequestGuard& operator=(const StopRequestGuard&) = delete;
};

// Whether a SIGTERM arrived while a guard was installed.
bool stopRequested();

}  // namespace cohort
