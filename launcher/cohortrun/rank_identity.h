// Who a rank is, read by the rank agent from the variables its engine set:
// Open MPI's OMPI_COMM_WORLD_{RANK,SIZE,LOCAL_RANK,LOCAL_SIZE}, or Slurm's
// SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID, with the local size from
// SLURM_STEP_TASKS_PER_NODE at this node's place in SLURM_STEP_NODELIST.
// The agent passes the answer on as COHORT_RANK, COHORT_WORLD_SIZE,
// COHORT_LOCAL_RANK and COHORT_LOCAL_SIZE, so a rank sees the same four
// variables under every engine (and cohort::init checks them against MPI).
#pragma once

#include <string>

#include "cohort/core/env.h"

namespace cohort::launcher {

struct RankIdentity {
  int rank = 0;
  int size = 1;
  int local_rank = 0;
  int local_size = 1;
  std::string engine;  // "openmpi" or "slurm"
};

// Open MPI's variables come first: mpirun inside an sbatch job leaves
// SLURM_PROCID=0 in every rank. Throws ConfigError when neither engine's
// variables are complete and consistent.
RankIdentity rankIdentityFromEngine(const EnvLookup& env);

}  // namespace cohort::launcher
