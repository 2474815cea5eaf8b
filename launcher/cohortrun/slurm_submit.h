// --slurm-submit: writes LOGS/sbatch-RUN_ID.sh and submits it with sbatch.
// The script runs cohortrun itself inside the allocation (with the same run
// id, folders and options), which starts the ranks with srun; so a batch job
// gets the same logs, records, restarts and run.json as any other.
#pragma once

#include <string>
#include <vector>

#include "cohortrun/job.h"

namespace cohort::launcher {

// The file beside the batch script that holds the values of --env (they may
// be secrets, and the script and every command line are readable by others):
// LOGS/sbatch-RUN_ID.env, mode 0600, removed by the job when it ends.
std::string envFilePath(const Job& job);

// The command line of the cohortrun the batch script runs: --env becomes
// --env-file envFilePath(job).
std::vector<std::string> innerCommand(const Job& job);

// Prints the script with --dry-run; otherwise writes and submits it, writes
// run.json (state "submitted", the Slurm job id) and returns the exit status.
// Throws ConfigError when sbatch refuses the job.
int submitToSlurm(const Job& job);

}  // namespace cohort::launcher
