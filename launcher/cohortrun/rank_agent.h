// The rank agent: how cohortrun starts every rank, under every engine.
//
//   mpirun/srun ... cohortrun --rank-agent --logs DIR --run-id ID --restart K
//       [--console-ranks LIST] [--grace-period S] [--stop-signal USR2] -- PROGRAM ARGS...
//
// It reads which rank it is from the engine (rank_identity.h) and passes that
// on as COHORT_RANK/WORLD_SIZE/LOCAL_RANK/LOCAL_SIZE; runs PROGRAM in its own
// process group; copies the program's stdout and stderr into DIR/rank-N.log
// and, for console ranks, to its own output with a "[rank N] " prefix (the
// engine brings that to cohortrun's terminal); on SIGTERM, SIGINT, SIGHUP or
// the stop signal it sends the program SIGTERM and, after the grace period,
// SIGKILL; and when the program ends it writes DIR/exit-rank-N.json (Note
// [Rank records]) and ends the same way the program did, so the engine sees
// the program's exit code or signal.
#pragma once

#include <string>
#include <vector>

#include "cohortrun/rank_set.h"

namespace cohort::launcher {

struct AgentOptions {
  std::string logs_dir;
  std::string run_id;
  int restart = 0;
  RankSet console_ranks = RankSet::all();
  double grace_s = 10;
  int stop_signal = 0;        // one more signal that means "stop" (SIGUSR2 under mpirun)
  bool world_of_one = false;  // started by cohortrun itself: rank 0 of 1 (no engine variables)
  std::vector<std::string> program;
};

// The arguments after "--rank-agent". Throws ConfigError.
AgentOptions parseAgentOptions(const std::vector<std::string>& args);

// Runs the program as one rank. Returns the status to exit with; when the
// program died of a signal, ends this process with the same signal instead.
int runRankAgent(const AgentOptions& options);

// "[rank 3] ": the prefix of a rank's lines on the terminal.
std::string rankPrefix(int rank);

}  // namespace cohort::launcher
