// The batch script of --slurm-submit.
#include <cmath>

#include "cohortrun/engine_command.h"
#include "cohortrun/shell_quote.h"

namespace cohort::launcher {

std::string sbatchScript(const JobPlan& plan, const std::string& run_id,
                         const std::string& logs_dir, const std::string& work_dir, double timeout_s,
                         const std::vector<std::string>& sbatch_options,
                         const std::vector<std::string>& inner, const std::string& env_file) {
  std::string s = "#!/bin/bash\n";
  s += "# Written by cohortrun --slurm-submit for run " + run_id + ".\n";
  s += "# The job runs cohortrun inside its allocation, which starts the ranks with srun;\n";
  s += "# Submitting it again (sbatch " + shellQuote(logs_dir + "/sbatch-" + run_id + ".sh") +
       ") continues the same run: its logs replace these.\n";
  if (!env_file.empty()) {
    s += "# The values of --env are in " + env_file + " (mode 0600), not here; the job\n";
    s += "# removes that file when it ends, so to run again, submit with cohortrun again.\n";
  }
  s += "#SBATCH --job-name=cohort-" + run_id + "\n";
  s += "#SBATCH --nodes=" + std::to_string(plan.nodes) + "\n";
  s += "#SBATCH --ntasks-per-node=" + std::to_string(plan.procs_per_node) + "\n";
  s += "#SBATCH --chdir=" + work_dir + "\n";
  s += "#SBATCH --output=" + logs_dir + "/slurm-%j.out\n";
  if (timeout_s > 0) {
    // Slurm's limit, a minute above cohortrun's own, so cohortrun can stop
    // the ranks and write run.json before Slurm ends the allocation.
    long minutes = static_cast<long>(std::ceil(timeout_s / 60.0)) + 1;
    s += "#SBATCH --time=" + std::to_string(minutes) + "\n";
  }
  for (const auto& option : sbatch_options) s += "#SBATCH " + option + "\n";
  if (env_file.empty()) {
    s += "exec " + shellJoin(inner) + "\n";
    return s;
  }
  // cohortrun reads the file at its start; the shell stays to remove it when
  // the job ends, however it ends (scancel's SIGTERM reaches both).
  s += "env_file=" + shellQuote(env_file) + "\n";
  s += "trap 'rm -f -- \"$env_file\"' EXIT\n";
  s += "trap 'exit 143' TERM\n";
  s += "trap 'exit 130' INT\n";
  s += shellJoin(inner) + "\n";
  return s;
}

}  // namespace cohort::launcher
