// Slurm's per-node counts, as in SLURM_TASKS_PER_NODE, SLURM_JOB_CPUS_PER_NODE
// and SLURM_STEP_TASKS_PER_NODE: "2(x3),1" means 2, 2, 2, 1.
#pragma once

#include <string>
#include <vector>

namespace cohort::launcher {

// One count per node, in node order. Throws ConfigError naming `variable`
// (for the message) when `text` is not in this form.
std::vector<int> expandTasksPerNode(const std::string& text, const std::string& variable);

}  // namespace cohort::launcher
