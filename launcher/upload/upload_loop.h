// What cohort-upload does: one sync of a run's logs and outputs folders, or
// (watch mode, started by cohortrun --upload) a loop that copies the logs
// every interval and each newly committed checkpoint, until its standard
// input closes or it gets SIGTERM, and then copies the logs and the whole
// outputs folder one last time.
#pragma once

#include <string>

#include "cohort/core/settings.h"

namespace cohort::upload {

struct LoopOptions {
  std::string url;          // destination; the logs go to URL/logs, the outputs to URL/outputs
  std::string logs_dir;     // empty: none
  std::string outputs_dir;  // empty: none
  bool watch = false;
  bool check_only = false;  // only open the destination (checks the credentials)
};

// Returns the exit status: 0 when the last sync succeeded, 1 when it failed
// (the failure is printed, naming the URL and the storage's message).
int runUpload(const LoopOptions& options, const Settings& settings);

}  // namespace cohort::upload
