// The hosts a sweep's trials take their nodes from: none for engine local
// (each trial runs on this machine), the sweep file's list for engine hosts,
// and the nodes of the Slurm allocation cohort-sweep runs in for engine slurm,
// where each trial is an srun step on nodes of its own (See Note [Trials as
// srun steps] in host_pool.cc).
#pragma once

#include <string>
#include <vector>

#include "cohort/core/env.h"
#include "cohort/sweep/sweep_spec.h"

namespace cohort::sweep_tool {

// A ConfigError naming `sweep_file` when the trials cannot run there: engine
// slurm outside an allocation, or an allocation too small for one trial.
std::vector<std::string> hostPool(const sweep::SweepSpec& spec, const std::string& sweep_file,
                                  const EnvLookup& env);

}  // namespace cohort::sweep_tool
