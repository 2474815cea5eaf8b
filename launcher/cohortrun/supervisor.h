// Runs one attempt's engine process (mpirun or srun) and watches it: copies
// its output line by line, stops it on SIGINT/SIGTERM/SIGHUP to cohortrun or
// when --timeout runs out, and makes sure it ends when a rank has failed.
//
// Stopping goes in three steps, each after the previous had its time:
//   1. the engine's graceful stop (SIGUSR2 to mpirun, scancel --signal=TERM
//      of the srun step): every rank agent sends its program SIGTERM, then
//      SIGKILL after the grace period;
//   2. the engine's own abort (SIGTERM to mpirun or srun);
//   3. SIGKILL to the engine and every process it started on this machine.
// A second SIGINT/SIGTERM (a second or more after the one before) jumps to
// the next step at once.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cohortrun/engine_command.h"
#include "cohortrun/root_cause.h"
#include "common/signal_pipe.h"

namespace cohort::launcher {

struct SuperviseRequest {
  EngineCommand command;
  std::string engine_name;  // "mpirun" or "srun", for messages
  double deadline = 0;      // Unix time when --timeout runs out; 0: none
  double grace_s = 10;
  // Step 1 when the engine has no stop signal (srun): called with its pid.
  std::function<void(int engine_pid)> stop;
  std::vector<int> abort_signals;  // step 2
  // Every line the engine prints (its own and the rank agents' echoes).
  std::function<void(const std::string& line, bool is_stderr)> on_line;
  // Polled about once a second: true once a rank has recorded a failure.
  std::function<bool()> failure_seen;
  // How long the engine may take to end the job after a failure before
  // cohortrun stops it itself.
  double failure_grace_s = 5;
};

// Runs the engine to its end. `signals` must catch SIGCHLD, SIGINT, SIGTERM and SIGHUP.
// Throws ConfigError when the engine cannot be started at all.
EngineOutcome supervise(const SuperviseRequest& request, SignalPipe& signals);

}  // namespace cohort::launcher
