#include "sweep/host_pool.h"

#include "cohort/core/error.h"
#include "common/host_slots.h"

namespace cohort::sweep_tool {

// Note [Trials as srun steps]
// Under Slurm, cohort-sweep runs inside one allocation (salloc, or an sbatch
// script) and packs the trials into it, as HyperDrive packs runs into a
// cluster: each trial is `cohortrun --engine srun --hosts NODES`, whose ranks
// are one srun step on the `nodes` nodes the driver gave it, nodes no other
// running trial holds. So trials start the moment nodes are free, with no
// queue wait per trial and no scheduler of ours; Slurm still starts, signals
// and accounts for every rank. The cohortrun of each trial runs beside the
// driver, so a killed driver reattaches to it as on one machine.
std::vector<std::string> hostPool(const sweep::SweepSpec& spec, const std::string& sweep_file,
                                  const EnvLookup& env) {
  switch (spec.trial.engine) {
    case sweep::Engine::kLocal:
      return {};
    case sweep::Engine::kHosts:
      return spec.trial.hosts;
    case sweep::Engine::kSlurm:
      break;
  }
  const auto job = env("SLURM_JOB_ID");
  if (!job || job->empty()) {
    throw ConfigError(sweep_file +
                          ": trial.engine slurm packs the trials into the Slurm allocation "
                          "cohort-sweep runs in, but this is not inside one (no SLURM_JOB_ID)",
                      "run it in an allocation: salloc -N 4 cohort-sweep run " + sweep_file +
                          ", or the same line in an sbatch script");
  }
  const std::vector<launcher::HostSlots> nodes = launcher::allocationHosts(env);
  const std::string where =
      "the allocation (job " + *job + ", " + std::to_string(nodes.size()) + " node(s))";
  if (spec.trial.nodes > static_cast<int64_t>(nodes.size())) {
    throw ConfigError(sweep_file + ": trial.nodes is " + std::to_string(spec.trial.nodes) +
                          " but " + where + " has fewer",
                      "ask Slurm for at least " + std::to_string(spec.trial.nodes) +
                          " nodes, or lower trial.nodes");
  }
  std::vector<std::string> pool;
  for (const auto& n : nodes) {
    if (n.slots != 0 && spec.trial.procsPerNode > n.slots) {
      throw ConfigError(sweep_file + ": trial.procs_per_node is " +
                            std::to_string(spec.trial.procsPerNode) + " but node " + n.name +
                            " of " + where + " has " + std::to_string(n.slots) + " task slot(s)",
                        "ask Slurm for more tasks per node (--ntasks-per-node), or lower "
                        "trial.procs_per_node");
    }
    pool.push_back(n.name);
  }
  return pool;
}

}  // namespace cohort::sweep_tool
