// Every COHORT_* setting, in one place: read once at start-up by cohort::init()
// and logged there. Nothing else in cohort reads a COHORT_* variable, except
// the launcher contract (COHORT_RANK/SIZE/LOCAL_*), which world discovery owns.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "cohort/core/env.h"

namespace cohort {

struct Settings {
  // COHORT_COLLECTIVE_TIMEOUT_S: a collective running longer than this ends the job.
  double collective_timeout_s = 300.0;
  // COHORT_LOG_LEVEL: debug, info, warn or error.
  std::string log_level = "info";
  // COHORT_FIRST_BUCKET_MB / COHORT_BUCKET_MB: DataParallel's gradient bucket caps (MiB).
  double first_bucket_mib = 1.0;
  double bucket_mib = 25.0;
  // COHORT_SHM: "on" puts gradient buckets in shared memory and reduces them
  // there between the ranks of a machine; "off" reduces them through MPI.
  bool shm = true;
  // COHORT_RUN_ID, COHORT_RESTART_COUNT: set by cohortrun; empty / 0 otherwise.
  std::string run_id;
  int restart_count = 0;
  // COHORT_OUTPUTS_DIR, COHORT_LOGS_DIR: where checkpoints and logs go.
  std::string outputs_dir = "./outputs";
  std::string logs_dir = "./logs";

  // Reads every setting; a malformed value is a ConfigError naming the variable.
  static Settings fromEnvironment(const EnvLookup& env);

  // (variable, value) pairs, for the start-up log.
  std::vector<std::pair<std::string, std::string>> describe() const;
};

}  // namespace cohort
