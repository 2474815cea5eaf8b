// The rank agent's view of who it is (rank_identity.h), from Open MPI's or
// srun's variables.
#include <gtest/gtest.h>

#include "cohort/core/error.h"
#include "cohortrun/rank_identity.h"

namespace cohort::launcher {
namespace {

using Vars = std::map<std::string, std::string>;

TEST(RankIdentity, OpenMpi) {
  RankIdentity id = rankIdentityFromEngine(mapEnv({{"OMPI_COMM_WORLD_RANK", "5"},
                                                   {"OMPI_COMM_WORLD_SIZE", "8"},
                                                   {"OMPI_COMM_WORLD_LOCAL_RANK", "1"},
                                                   {"OMPI_COMM_WORLD_LOCAL_SIZE", "4"}}));
  EXPECT_EQ(id.engine, "openmpi");
  EXPECT_EQ(id.rank, 5);
  EXPECT_EQ(id.size, 8);
  EXPECT_EQ(id.local_rank, 1);
  EXPECT_EQ(id.local_size, 4);
}

TEST(RankIdentity, OpenMpiWinsOverSlurmInsideSbatch) {
  RankIdentity id = rankIdentityFromEngine(mapEnv({{"OMPI_COMM_WORLD_RANK", "3"},
                                                   {"OMPI_COMM_WORLD_SIZE", "4"},
                                                   {"OMPI_COMM_WORLD_LOCAL_RANK", "1"},
                                                   {"OMPI_COMM_WORLD_LOCAL_SIZE", "2"},
                                                   {"SLURM_PROCID", "0"},
                                                   {"SLURM_STEP_ID", "0"}}));
  EXPECT_EQ(id.rank, 3);
}

Vars srunTask(const std::string& node, const std::string& procid, const std::string& localid) {
  return {{"SLURM_PROCID", procid},
          {"SLURM_NTASKS", "5"},
          {"SLURM_LOCALID", localid},
          {"SLURM_STEP_ID", "0"},
          {"SLURMD_NODENAME", node},
          {"SLURM_STEP_NODELIST", "gpu[07-08],cpu1"},
          {"SLURM_STEP_TASKS_PER_NODE", "2(x2),1"}};
}

TEST(RankIdentity, SrunLocalSizeFromThisNodesEntry) {
  RankIdentity id = rankIdentityFromEngine(mapEnv(srunTask("gpu08", "3", "1")));
  EXPECT_EQ(id.engine, "slurm");
  EXPECT_EQ(id.rank, 3);
  EXPECT_EQ(id.size, 5);
  EXPECT_EQ(id.local_rank, 1);
  EXPECT_EQ(id.local_size, 2);
  EXPECT_EQ(rankIdentityFromEngine(mapEnv(srunTask("cpu1", "4", "0"))).local_size, 1);
}

TEST(RankIdentity, BadOrMissingVariables) {
  EXPECT_THROW(rankIdentityFromEngine(mapEnv({})), ConfigError);
  EXPECT_THROW(rankIdentityFromEngine(mapEnv(srunTask("other", "3", "1"))), ConfigError)
      << "a node not in the step";
  EXPECT_THROW(rankIdentityFromEngine(mapEnv(srunTask("cpu1", "4", "1"))), ConfigError)
      << "local rank 1 of 1";
  EXPECT_THROW(rankIdentityFromEngine(mapEnv({{"OMPI_COMM_WORLD_RANK", "4"},
                                              {"OMPI_COMM_WORLD_SIZE", "4"},
                                              {"OMPI_COMM_WORLD_LOCAL_RANK", "0"},
                                              {"OMPI_COMM_WORLD_LOCAL_SIZE", "1"}})),
               ConfigError);
  EXPECT_THROW(rankIdentityFromEngine(mapEnv({{"OMPI_COMM_WORLD_RANK", "x"}})), ConfigError);
}

}  // namespace
}  // namespace cohort::launcher
