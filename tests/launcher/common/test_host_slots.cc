// --hosts, mpirun-format hostfiles and the Slurm allocation's nodes (host_slots.h).
#include <gtest/gtest.h>

#include "cohort/core/env.h"
#include "cohort/core/error.h"
#include "common/host_slots.h"

namespace cohort::launcher {
namespace {

std::string what(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(HostsOption, NamesAndSlots) {
  auto hosts = parseHostsOption("h1:4,h2:2,h3");
  ASSERT_EQ(hosts.size(), 3u);
  EXPECT_EQ(hosts[0].name, "h1");
  EXPECT_EQ(hosts[0].slots, 4);
  EXPECT_EQ(hosts[1].slots, 2);
  EXPECT_EQ(hosts[2].name, "h3");
  EXPECT_EQ(hosts[2].slots, 0) << "no count given";
}

TEST(HostsOption, SlurmHostListsExpand) {
  auto hosts = parseHostsOption("node[01-03]:8,gpu1:2");
  ASSERT_EQ(hosts.size(), 4u);
  EXPECT_EQ(hosts[2].name, "node03");
  EXPECT_EQ(hosts[2].slots, 8);
  EXPECT_EQ(hosts[3].slots, 2);
}

TEST(HostsOption, BadInput) {
  EXPECT_NE(what([] { parseHostsOption(""); }).find("--hosts is empty"), std::string::npos);
  EXPECT_NE(what([] { parseHostsOption("h1:0"); }).find("slot count '0'"), std::string::npos);
  EXPECT_NE(what([] { parseHostsOption("h1:x"); }).find("slot count 'x'"), std::string::npos);
  EXPECT_NE(what([] { parseHostsOption(":4"); }).find("no host name"), std::string::npos);
  EXPECT_NE(what([] { parseHostsOption("h1:2,h1:2"); }).find("listed twice"), std::string::npos);
  EXPECT_NE(what([] { parseHostsOption("n[1-2]:2,n2"); }).find("listed twice"), std::string::npos);
}

TEST(Hostfile, MpirunFormat) {
  auto hosts = parseHostfile(
      "# the cluster\n"
      "node01 slots=4 max_slots=8\n"
      "\n"
      "node02   slots=2   # the small one\n"
      "node03\n"
      "node04 count=3\n",
      "hosts.txt");
  ASSERT_EQ(hosts.size(), 4u);
  EXPECT_EQ(hosts[0].slots, 4);
  EXPECT_EQ(hosts[1].name, "node02");
  EXPECT_EQ(hosts[1].slots, 2);
  EXPECT_EQ(hosts[2].slots, 0);
  EXPECT_EQ(hosts[3].slots, 3);
}

TEST(Hostfile, ErrorsNameFileAndLine) {
  EXPECT_NE(what([] {
              parseHostfile("a slots=2\nb color=red\n", "f.txt");
            }).find("f.txt:2: unknown key 'color'"),
            std::string::npos);
  EXPECT_NE(what([] { parseHostfile("a slots=two\n", "f.txt"); }).find("f.txt:1"),
            std::string::npos);
  EXPECT_NE(what([] { parseHostfile("a 4\n", "f.txt"); }).find("not KEY=VALUE"), std::string::npos);
  EXPECT_NE(what([] { parseHostfile("a\na\n", "f.txt"); }).find("f.txt:1 and f.txt:2"),
            std::string::npos);
  EXPECT_NE(what([] { parseHostfile("# nothing\n\n", "f.txt"); }).find("lists no hosts"),
            std::string::npos);
  EXPECT_NE(what([] { parseHostfile("slots=4\n", "f.txt"); }).find("not a host name"),
            std::string::npos);
}

TEST(AllocationHosts, NodesWithTheirTaskCounts) {
  const auto hosts = allocationHosts(mapEnv({{"SLURM_JOB_NODELIST", "n[1-3]"},
                                             {"SLURM_TASKS_PER_NODE", "2(x2),1"},
                                             {"SLURM_JOB_CPUS_PER_NODE", "8(x3)"}}));
  ASSERT_EQ(hosts.size(), 3u);
  EXPECT_EQ(hosts[0].name, "n1");
  EXPECT_EQ(hosts[0].slots, 2);
  EXPECT_EQ(hosts[2].name, "n3");
  EXPECT_EQ(hosts[2].slots, 1);
}

TEST(AllocationHosts, CpusWithoutTasksAndNothingWithoutEither) {
  auto hosts =
      allocationHosts(mapEnv({{"SLURM_NODELIST", "a,b"}, {"SLURM_JOB_CPUS_PER_NODE", "4(x2)"}}));
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts[1].slots, 4);
  hosts = allocationHosts(mapEnv({{"SLURM_JOB_NODELIST", "a"}}));
  ASSERT_EQ(hosts.size(), 1u);
  EXPECT_EQ(hosts[0].slots, 0);
}

TEST(AllocationHosts, VariablesThatDisagreeAreRefused) {
  EXPECT_NE(what([] {
              allocationHosts(mapEnv({{"SLURM_JOB_ID", "7"}}));
            }).find("SLURM_JOB_NODELIST is not"),
            std::string::npos);
  EXPECT_NE(what([] {
              allocationHosts(
                  mapEnv({{"SLURM_JOB_NODELIST", "n[1-3]"}, {"SLURM_TASKS_PER_NODE", "2(x2)"}}));
            }).find("SLURM_TASKS_PER_NODE lists 2 nodes but SLURM_JOB_NODELIST lists 3"),
            std::string::npos);
}

}  // namespace
}  // namespace cohort::launcher
