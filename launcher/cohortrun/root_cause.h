// Why a job ended: from the rank records (Note [Rank records]), what the engine
// did, and which hosts still answer, the one failure that came first, and the
// exit status that names its kind (exit_status.h). Pure, so each case is
// unit-tested; the launcher gathers the inputs and prints the report.
#pragma once

#include <string>
#include <vector>

#include "cohortrun/job_plan.h"
#include "cohortrun/rank_records.h"

namespace cohort::launcher {

// How the engine process ended (filled in by the supervisor).
struct EngineOutcome {
  int exit_code = -1;      // when it exited
  int signal = 0;          // when a signal ended it
  bool timed_out = false;  // --timeout ran out and the job was stopped
  int interrupted_by = 0;  // SIGINT/SIGTERM/SIGHUP that stopped the job, or 0
  bool forced = false;     // the engine did not end by itself and was killed
  double seconds = 0;
  std::vector<std::string> engine_lines;  // its last own lines (not the ranks')
};

struct RootCause {
  int status = 0;                  // the launcher's exit status
  std::string headline;            // one line, e.g. "rank 1 on h2 was killed by signal 9 (SIGKILL)"
  int rank = -1;                   // the rank to blame, if any
  std::string host;                // its host, or the lost host
  std::string error;               // the error the runtime recorded for that rank
  std::vector<std::string> notes;  // further facts (other failures, ranks without records)
};

struct RootCauseInput {
  const JobPlan* plan = nullptr;
  RankRecords records;
  EngineOutcome engine;
  std::vector<std::string> unreachable_hosts;  // checked after the failure
  std::string engine_name = "mpirun";
  // Why the logs folder cannot be written now (a full disk), or "": then
  // missing records say nothing of how the ranks ended.
  std::string logs_problem;
};

// Note [A rank that leaves early]
// A rank whose program exits 0 while other ranks are still running leaves
// them waiting in their next collective (Open MPI's MPI_Finalize waits for
// every rank, so a program that leaves early has skipped it): mpirun then
// ends the job, and the others end without a record of their own (their agent
// killed with them), stopped, or with a collective that timed out. Those ends
// are consequences; the cause is the rank that left first, though its exit
// code is 0. So when no rank failed by itself, or the first failure is a
// collective timeout, the earliest rank that exited 0 by itself while a rank
// that had started was still running (no exit record, or a later one that says
// it was stopped or failed) is blamed, with exit status kRankFailed.
RootCause findRootCause(const RootCauseInput& input);

// "SIGKILL", "SIGSEGV", ... or "signal N".
std::string signalName(int signal);

// "2-3,5" for {2, 3, 5}.
std::string rankRanges(std::vector<int> ranks);

}  // namespace cohort::launcher
