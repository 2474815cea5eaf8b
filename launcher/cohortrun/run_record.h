// LOGS/run.json: what ran, where, when, how often and how it ended. Written
// when the run starts and rewritten after every attempt, so even a launcher
// that is killed leaves an accurate record of what it had seen.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

#include "cohortrun/job_plan.h"

namespace cohort::launcher {

struct AttemptRecord {
  int restart = 0;
  double start = 0;
  double end = 0;
  int exit_status = 0;
  std::string root_cause;  // the headline, "" when it succeeded
  int rank = -1;           // the rank blamed, if any
  std::string host;
  std::string logs;  // where its rank logs and records are
};

struct RunRecord {
  std::string run_id;
  std::vector<std::string> command;         // cohortrun's own argv
  std::vector<std::string> program;         // PROGRAM ARGS
  std::string engine;                       // "mpirun", "srun", "sbatch"
  std::vector<std::string> engine_command;  // the last attempt's
  std::string work_dir;
  std::string outputs_dir;
  std::string slurm_job_id;
  JobPlan plan;
  int max_restarts = 0;
  double start = 0;
  double end = 0;                 // 0 while running
  std::string state = "running";  // running, succeeded, failed, submitted
  int exit_status = -1;
  std::vector<AttemptRecord> attempts;
  std::vector<std::pair<std::string, std::string>> versions;
  nlohmann::json code;                              // code_identity.h
  nlohmann::json inputs = nlohmann::json::array();  // the data sets the loaders noted
  std::string registered;  // with --register: NAME:VERSION, once registered
};

std::string runRecordJson(const RunRecord& record);

// cohort's version and the versions it was built with (libtorch, CUDA and
// NCCL when built with them), then `engine --version`'s first line for each
// engine that is installed (mpirun, srun).
std::vector<std::pair<std::string, std::string>> collectVersions(
    const std::vector<std::string>& engines);

}  // namespace cohort::launcher
