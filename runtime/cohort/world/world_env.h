// Discovering rank, world size, local rank and local size from the variables
// that launchers set. Pure: takes an environment, returns an answer or throws.
//
// Precedence (the first launcher whose variables are present wins):
//   1. cohortrun   COHORT_RANK / COHORT_WORLD_SIZE / COHORT_LOCAL_RANK / COHORT_LOCAL_SIZE
//   2. Open MPI    OMPI_COMM_WORLD_RANK / _SIZE / _LOCAL_RANK / _LOCAL_SIZE
//   3. MPICH/PMI   PMI_RANK / PMI_SIZE / MPI_LOCALRANKID / MPI_LOCALNRANKS
//   4. Slurm       SLURM_PROCID / SLURM_NTASKS / SLURM_LOCALID / (SLURM_NTASKS_PER_NODE)
//   5. torchrun    RANK / WORLD_SIZE / LOCAL_RANK / LOCAL_WORLD_SIZE
//   none           a world of one.
// Open MPI comes before Slurm because mpirun inside an sbatch allocation leaves
// SLURM_PROCID=0 in every rank. Once MPI is initialised its own answer wins
// (see Runtime), and a disagreement with the variables is an error.
#pragma once

#include <string>

#include "cohort/core/env.h"

namespace cohort {

struct WorldInfo {
  int rank = 0;
  int size = 1;
  int local_rank = 0;
  int local_size = 1;
  std::string source = "none";  // which launcher's variables were used
};

// Throws ConfigError for a half-set pair, non-numbers, rank >= size and the like.
WorldInfo discoverWorld(const EnvLookup& env);

}  // namespace cohort
