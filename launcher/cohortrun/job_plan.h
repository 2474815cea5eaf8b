// What a job will be, decided from the options and the environment before
// anything starts: the engine, the hosts, and which rank runs where. Pure:
// the environment and the host list come in as arguments, so every rule here
// (defaults, what fits, what contradicts) is unit-tested.
#pragma once

#include <string>
#include <vector>

#include "cohort/core/env.h"
#include "cohortrun/options.h"
#include "common/host_slots.h"

namespace cohort::launcher {

enum class Engine {
  kMpirunLocal,  // mpirun on this machine
  kDirect,  // a world of one on this machine: the rank agent, no launcher (See Note [A world of
            // one])
  kMpirunHosts,  // mpirun over ssh (or Slurm's own launcher) to a host list
  kSrun,         // srun inside a Slurm allocation
  kSbatch,       // write a batch script and submit it
};

// "mpirun", "none" (kDirect), "srun" or "sbatch".
const char* engineName(Engine engine);

struct PlannedHost {
  std::string name;
  int first_rank = 0;
  int ranks = 0;
};

struct JobPlan {
  Engine engine = Engine::kMpirunLocal;
  int nodes = 1;
  int procs_per_node = 1;
  int world_size = 1;
  // Ranks fill the hosts in order: the first P on hosts[0], and so on.
  // Empty for kSbatch (Slurm chooses the nodes when the job starts).
  std::vector<PlannedHost> hosts;
  std::string slurm_job_id;       // kSrun, or mpirun inside an allocation
  bool hosts_from_slurm = false;  // the hosts are the allocation's: no ssh checks
  bool oversubscribed = false;    // more ranks than this machine has cores (kMpirunLocal)

  // The host that runs `rank`, or "" when not known before the start.
  std::string hostOf(int rank) const;
};

// `host_list` is the parsed --hosts or --hostfile (empty if neither was given),
// `local_host` this machine's name, `local_cpus` its core count. Throws
// ConfigError when the options contradict each other or the job does not fit.
// With --engine srun, a host list names the nodes of the allocation the step
// runs on (cohort-sweep packs trials into an allocation this way).
JobPlan planJob(const Options& options, const std::vector<HostSlots>& host_list,
                const EnvLookup& env, const std::string& local_host, int local_cpus);

}  // namespace cohort::launcher
