// The root-cause summary cohortrun prints when an attempt fails.
#pragma once

#include <string>
#include <vector>

#include "cohortrun/root_cause.h"

namespace cohort::launcher {

struct ReportContext {
  int restart = 0;
  int max_restarts = 0;
  double seconds = 0;
  std::string log_path;                   // the blamed rank's log, "" if none
  std::vector<std::string> log_tail;      // its last lines
  std::string engine_summary;             // e.g. "mpirun exited with status 137"
  std::vector<std::string> engine_lines;  // the engine's last own lines
};

// Several lines, each starting with "cohortrun: " or two spaces.
std::string formatFailureReport(const RootCause& cause, const ReportContext& context);

}  // namespace cohort::launcher
