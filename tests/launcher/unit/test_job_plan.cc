// Planning a job (job_plan.h): which engine, defaults, and N x P that does
// not fit the hosts or the allocation.
#include <gtest/gtest.h>

#include "cohort/core/error.h"
#include "cohortrun/job_plan.h"
#include "common/host_slots.h"

namespace cohort::launcher {
namespace {

using Vars = std::map<std::string, std::string>;

JobPlan plan(const std::vector<std::string>& args, const Vars& env = {}, int cpus = 2) {
  Options o = parseOptions(args);
  std::vector<HostSlots> hosts;
  if (!o.hosts.empty()) hosts = parseHostsOption(o.hosts);
  return planJob(o, hosts, mapEnv(env), "thishost", cpus);
}

std::string errorOf(const std::vector<std::string>& args, const Vars& env = {}) {
  try {
    plan(args, env);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

const Vars kAllocation = {
    {"SLURM_JOB_ID", "42"}, {"SLURM_JOB_NODELIST", "n[1-3]"}, {"SLURM_TASKS_PER_NODE", "2(x3)"}};

TEST(JobPlan, OneMachine) {
  JobPlan p = plan({"--procs-per-node", "3", "--", "x"});
  EXPECT_EQ(p.engine, Engine::kMpirunLocal);
  EXPECT_EQ(p.world_size, 3);
  EXPECT_TRUE(p.oversubscribed) << "3 ranks on 2 cores";
  ASSERT_EQ(p.hosts.size(), 1u);
  EXPECT_EQ(p.hosts[0].name, "thishost");
  EXPECT_EQ(plan({"--", "x"}).world_size, 1);
  // A world of one needs no launcher, unless mpirun is asked for.
  EXPECT_EQ(plan({"--", "x"}).engine, Engine::kDirect);
  EXPECT_EQ(plan({"--engine", "mpirun", "--", "x"}).engine, Engine::kMpirunLocal);
  EXPECT_EQ(plan({"--procs-per-node", "1", "--", "x"}).hosts[0].name, "thishost");
  EXPECT_FALSE(plan({"--procs-per-node", "2", "--", "x"}).oversubscribed);
}

TEST(JobPlan, OneMachineIsOneNode) {
  EXPECT_NE(errorOf({"--nodes", "2", "--", "x"}).find("one machine is one node"),
            std::string::npos);
}

TEST(JobPlan, HostListPlacesRanksInOrder) {
  JobPlan p = plan({"--hosts", "a:2,b:2,c:2", "--", "x"});
  EXPECT_EQ(p.engine, Engine::kMpirunHosts);
  EXPECT_EQ(p.nodes, 3);
  EXPECT_EQ(p.procs_per_node, 2);
  EXPECT_EQ(p.world_size, 6);
  EXPECT_EQ(p.hostOf(0), "a");
  EXPECT_EQ(p.hostOf(3), "b");
  EXPECT_EQ(p.hostOf(5), "c");
  EXPECT_EQ(p.hostOf(6), "");
  JobPlan two =
      plan({"--hosts", "a:2,b:2,c:2", "--nodes", "2", "--procs-per-node", "1", "--", "x"});
  EXPECT_EQ(two.world_size, 2);
  EXPECT_EQ(two.hosts.size(), 2u);
  EXPECT_EQ(plan({"--hosts", "a,b", "--", "x"}).procs_per_node, 1) << "no slot counts: 1 each";
}

TEST(JobPlan, DoesNotFitTheHosts) {
  EXPECT_NE(errorOf({"--hosts", "a:2,b:2", "--nodes", "3", "--", "x"})
                .find("3 x 1 ranks do not fit: --nodes 3 but --hosts has 2 host(s)"),
            std::string::npos);
  EXPECT_NE(errorOf({"--hosts", "a:2,b:1", "--procs-per-node", "2", "--", "x"})
                .find("host b has 1 slot(s) in --hosts but --procs-per-node is 2"),
            std::string::npos);
  EXPECT_NE(errorOf({"--hosts", "a:2,b:4", "--", "x"}).find("different slot counts"),
            std::string::npos);
}

TEST(JobPlan, InsideAnAllocationUsesSrun) {
  JobPlan p = plan({"--", "x"}, kAllocation);
  EXPECT_EQ(p.engine, Engine::kSrun);
  EXPECT_EQ(p.slurm_job_id, "42");
  EXPECT_EQ(p.nodes, 3);
  EXPECT_EQ(p.procs_per_node, 2);
  EXPECT_EQ(p.hostOf(5), "n3");
  JobPlan fewer = plan({"--nodes", "2", "--procs-per-node", "1", "--", "x"}, kAllocation);
  EXPECT_EQ(fewer.world_size, 2);
  JobPlan mpirun = plan({"--engine", "mpirun", "--", "x"}, kAllocation);
  EXPECT_EQ(mpirun.engine, Engine::kMpirunHosts);
  EXPECT_TRUE(mpirun.hosts_from_slurm);
}

TEST(JobPlan, DoesNotFitTheAllocation) {
  EXPECT_NE(errorOf({"--nodes", "4", "--", "x"}, kAllocation)
                .find("the allocation (job 42) has 3 host(s)"),
            std::string::npos);
  EXPECT_NE(errorOf({"--procs-per-node", "3", "--", "x"}, kAllocation)
                .find("host n1 has 2 slot(s) in the allocation (job 42)"),
            std::string::npos);
  Vars cpus = {
      {"SLURM_JOB_ID", "7"}, {"SLURM_JOB_NODELIST", "a,b"}, {"SLURM_JOB_CPUS_PER_NODE", "4,2"}};
  EXPECT_NE(errorOf({"--", "x"}, cpus).find("different slot counts"), std::string::npos);
  EXPECT_EQ(plan({"--procs-per-node", "2", "--", "x"}, cpus).world_size, 4);
  Vars mismatch = kAllocation;
  mismatch["SLURM_TASKS_PER_NODE"] = "2(x2)";
  EXPECT_NE(errorOf({"--", "x"}, mismatch).find("lists 2 nodes but SLURM_JOB_NODELIST lists 3"),
            std::string::npos);
}

TEST(JobPlan, SrunOnNamedNodesOfTheAllocation) {
  // How cohort-sweep packs trials into an allocation: each step on its own nodes.
  JobPlan p = plan({"--engine", "srun", "--nodes", "2", "--procs-per-node", "2", "--hosts",
                    "n3:2,n1:2", "--", "x"},
                   kAllocation);
  EXPECT_EQ(p.engine, Engine::kSrun);
  EXPECT_TRUE(p.hosts_from_slurm);
  ASSERT_EQ(p.hosts.size(), 2u);
  EXPECT_EQ(p.hosts[0].name, "n3");
  EXPECT_EQ(p.hosts[1].name, "n1");
  EXPECT_EQ(p.world_size, 4);
  EXPECT_NE(errorOf({"--engine", "srun", "--hosts", "n1:1,n7:1", "--", "x"}, kAllocation)
                .find("--hosts names n7, which is not a node of the allocation (job 42) "
                      "(n1,n2,n3)"),
            std::string::npos);
  // The allocation's 2 tasks a node are all a step can have, whatever --hosts says.
  EXPECT_NE(errorOf({"--engine", "srun", "--procs-per-node", "3", "--hosts", "n1:4", "--", "x"},
                    kAllocation)
                .find("host n1 has 2 slot(s)"),
            std::string::npos);
  EXPECT_NE(errorOf({"--engine", "srun", "--hosts", "n1:1", "--", "x"})
                .find("not inside a Slurm allocation"),
            std::string::npos);
  // Without --engine srun, a host list inside an allocation is still mpirun's.
  EXPECT_EQ(plan({"--hosts", "n1:1", "--", "x"}, kAllocation).engine, Engine::kMpirunHosts);
}

TEST(JobPlan, SrunWithoutAnAllocation) {
  EXPECT_NE(errorOf({"--engine", "srun", "--", "x"}).find("not inside a Slurm allocation"),
            std::string::npos);
}

TEST(JobPlan, SlurmSubmit) {
  JobPlan p = plan({"--slurm-submit", "--nodes", "4", "--procs-per-node", "8", "--", "x"});
  EXPECT_EQ(p.engine, Engine::kSbatch);
  EXPECT_EQ(p.world_size, 32);
  EXPECT_TRUE(p.hosts.empty());
}

TEST(JobPlan, ConsoleRanksMustExist) {
  EXPECT_NE(errorOf({"--procs-per-node", "2", "--console-ranks", "0,2", "--", "x"})
                .find("names rank 2 but the job has 2 rank(s), 0 to 1"),
            std::string::npos);
}

}  // namespace
}  // namespace cohort::launcher
