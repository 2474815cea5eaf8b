#include "cohortrun/slurm_control.h"

#include <sstream>
#include <vector>

#include "common/posix_io.h"

namespace cohort::launcher {

std::string slurmStepName(const std::string& run_id, int restart) {
  return "cohort-" + run_id + "-" + std::to_string(restart);
}

std::string findSlurmStep(const std::string& job_id, const std::string& name) {
  std::string output;
  if (runCommand({"squeue", "-h", "-s", "-j", job_id, "-o", "%i|%j"}, &output, 10) != 0) return "";
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    size_t bar = line.find('|');
    if (bar != std::string::npos && line.substr(bar + 1) == name) return line.substr(0, bar);
  }
  return "";
}

bool signalSlurmStep(const std::string& step, const std::string& signal) {
  return runCommand({"scancel", "--signal=" + signal, step}, nullptr, 10) == 0;
}

}  // namespace cohort::launcher
