// cohortrun: launch and supervise a cohort job (see job_runner.h, and
// rank_agent.h for the "--rank-agent" mode every rank is started in).
#include <string>
#include <vector>

#include "cohortrun/job_runner.h"

int main(int argc, char** argv) {
  return cohort::launcher::runCohortrun(std::vector<std::string>(argv + 1, argv + argc));
}
