// cohortrun's part of LOGS/run.json, which cohort::RunRecord
// (cohort/core/run_record.h, See Note [Run record]) reads and writes: the
// job plan's shape and hosts, and the versions a run ran with.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "cohort/core/run_record.h"
#include "cohortrun/job_plan.h"

namespace cohort::launcher {

// The plan's Slurm job, nodes, ranks per node, world size and hosts, into `record`.
void recordPlan(const JobPlan& plan, RunRecord* record);

// cohort's version and the versions it was built with (libtorch, CUDA and
// NCCL when built with them), then `engine --version`'s first line for each
// engine that is installed (mpirun, srun).
std::vector<std::pair<std::string, std::string>> collectVersions(
    const std::vector<std::string>& engines);

}  // namespace cohort::launcher
