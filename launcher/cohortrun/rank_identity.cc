#include "cohortrun/rank_identity.h"

#include "cohort/core/error.h"
#include "cohort/core/number.h"
#include "common/hostlist.h"
#include "common/tasks_per_node.h"

namespace cohort::launcher {

namespace {

int readIndex(const EnvLookup& env, const std::string& name) {
  auto text = env(name);
  auto value = text ? parseInteger(*text) : std::nullopt;
  if (!value || *value > 100000000) {
    throw ConfigError(name + (text ? "='" + *text + "' is not a whole number" : " is not set"),
                      "the rank agent runs under mpirun or srun, which set it; start the job with "
                      "cohortrun rather than running the agent by hand");
  }
  return static_cast<int>(*value);
}

void checkConsistent(const RankIdentity& id, const std::string& engine) {
  if (id.size < 1 || id.rank >= id.size || id.local_size < 1 || id.local_rank >= id.local_size ||
      id.local_size > id.size) {
    throw ConfigError("the " + engine + " variables are inconsistent: rank " +
                          std::to_string(id.rank) + " of " + std::to_string(id.size) + ", local " +
                          std::to_string(id.local_rank) + " of " + std::to_string(id.local_size),
                      "start the job with cohortrun and do not set these variables yourself");
  }
}

RankIdentity fromSlurm(const EnvLookup& env) {
  RankIdentity id;
  id.engine = "slurm";
  id.rank = readIndex(env, "SLURM_PROCID");
  id.size = readIndex(env, "SLURM_NTASKS");
  id.local_rank = readIndex(env, "SLURM_LOCALID");
  // This node's task count: its entry in the step's per-node counts.
  auto nodelist = env("SLURM_STEP_NODELIST");
  auto counts_text = env("SLURM_STEP_TASKS_PER_NODE");
  auto node = env("SLURMD_NODENAME");
  if (!nodelist || !counts_text || !node) {
    throw ConfigError(
        "srun did not set SLURM_STEP_NODELIST, SLURM_STEP_TASKS_PER_NODE and "
        "SLURMD_NODENAME",
        "run the ranks with srun (Slurm 17 or later) through cohortrun");
  }
  std::vector<std::string> nodes = expandHostlist(*nodelist);
  std::vector<int> counts = expandTasksPerNode(*counts_text, "SLURM_STEP_TASKS_PER_NODE");
  size_t index = 0;
  while (index < nodes.size() && nodes[index] != *node) ++index;
  if (index == nodes.size() || index >= counts.size()) {
    throw ConfigError("this node (" + *node + ") is not in SLURM_STEP_NODELIST=" + *nodelist +
                          " with SLURM_STEP_TASKS_PER_NODE=" + *counts_text,
                      "run the ranks with srun through cohortrun");
  }
  id.local_size = counts[index];
  checkConsistent(id, "Slurm");
  return id;
}

}  // namespace

RankIdentity rankIdentityFromEngine(const EnvLookup& env) {
  if (env("OMPI_COMM_WORLD_RANK")) {
    RankIdentity id;
    id.engine = "openmpi";
    id.rank = readIndex(env, "OMPI_COMM_WORLD_RANK");
    id.size = readIndex(env, "OMPI_COMM_WORLD_SIZE");
    id.local_rank = readIndex(env, "OMPI_COMM_WORLD_LOCAL_RANK");
    id.local_size = readIndex(env, "OMPI_COMM_WORLD_LOCAL_SIZE");
    checkConsistent(id, "Open MPI");
    return id;
  }
  if (env("SLURM_PROCID") && env("SLURM_STEP_ID")) return fromSlurm(env);
  throw ConfigError("the rank agent found neither Open MPI's nor srun's rank variables",
                    "the agent is started by cohortrun under mpirun or srun; run your program "
                    "with cohortrun instead of calling the agent yourself");
}

}  // namespace cohort::launcher
