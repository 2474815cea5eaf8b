// cohortrun from the command line to the exit status: checks, then one
// engine run per attempt (supervisor.h), the root cause of each failure
// (root_cause.h), restarts, and LOGS/run.json.
#pragma once

#include <string>
#include <vector>

namespace cohort::launcher {

// `args` is argv without argv[0]. Returns the exit status (exit_status.h).
int runCohortrun(const std::vector<std::string>& args);

}  // namespace cohort::launcher
