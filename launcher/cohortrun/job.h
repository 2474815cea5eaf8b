// A job as the launcher holds it once the command line is checked: the
// options, the plan, and what was fixed before the first attempt.
#pragma once

#include <string>
#include <vector>

#include "cohortrun/job_plan.h"
#include "cohortrun/options.h"

namespace cohort::launcher {

struct Job {
  Options options;  // program[0] resolved to an absolute path
  JobPlan plan;
  std::string run_id;
  std::string logs_dir;           // absolute
  std::string outputs_dir;        // absolute
  std::string launcher;           // cohortrun's own path
  std::string upload_program;     // cohort-upload, with --upload
  std::string model_program;      // cohort-model, with --register
  std::string network;            // for mpirun across hosts; "" lets Open MPI choose
  std::vector<std::string> argv;  // cohortrun's own command line, for run.json
};

}  // namespace cohort::launcher
