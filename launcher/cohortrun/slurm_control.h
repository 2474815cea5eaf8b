// Talking to Slurm about a running step: cohortrun names each attempt's srun
// step (srun --job-name) and finds it again to signal it, because srun itself
// answers SIGTERM by killing the step at once, with no grace period.
#pragma once

#include <string>

namespace cohort::launcher {

// "cohort-RUN_ID-RESTART": the step name of an attempt.
std::string slurmStepName(const std::string& run_id, int restart);

// The id ("JOB.STEP") of the step named `name` in job `job_id`, from squeue;
// "" when there is none (yet).
std::string findSlurmStep(const std::string& job_id, const std::string& name);

// scancel --signal=SIGNAL STEP: Slurm delivers SIGNAL to every process of
// the step, then SIGKILL after its KillWait. True if scancel accepted it.
bool signalSlurmStep(const std::string& step, const std::string& signal);

}  // namespace cohort::launcher
