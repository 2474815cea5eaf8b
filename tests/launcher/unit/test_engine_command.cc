// The command lines cohortrun builds (engine_command.h): mpirun on one
// machine and on hosts, srun in an allocation, and the sbatch script.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>

#include "cohort/core/error.h"
#include "cohortrun/engine_command.h"
#include "cohortrun/rank_agent.h"
#include "cohortrun/rendezvous.h"
#include "cohortrun/shell_quote.h"
#include "common/host_slots.h"

namespace cohort::launcher {
namespace {

using Words = std::vector<std::string>;

JobPlan planOf(const Words& args, const std::map<std::string, std::string>& env = {}) {
  Options o = parseOptions(args);
  std::vector<HostSlots> hosts;
  if (!o.hosts.empty()) hosts = parseHostsOption(o.hosts);
  return planJob(o, hosts, mapEnv(env), "me", 2);
}

RankContract contract() { return {"run-1", 2, "/o", "/l", {{"OMP_NUM_THREADS", "1"}}, "", 0}; }

AgentCall agent() {
  AgentCall a;
  a.launcher = "/bin/cohortrun";
  a.logs_dir = "/l";
  a.run_id = "run-1";
  a.restart_count = 2;
  a.console_ranks = RankSet::parse("0", "--console-ranks");
  a.grace_s = 7.5;
  a.program = {"/bin/train", "--lr", "0.1"};
  return a;
}

// The words of `all` right after `first` (one word), or "" when absent.
std::string after(const Words& all, const std::string& first) {
  auto it = std::find(all.begin(), all.end(), first);
  return it == all.end() || it + 1 == all.end() ? "" : *(it + 1);
}

bool contains(const Words& all, const Words& run) {
  return std::search(all.begin(), all.end(), run.begin(), run.end()) != all.end();
}

TEST(MpirunCommand, OneMachine) {
  EngineCommand c = mpirunCommand(planOf({"--procs-per-node", "3", "--", "x"}), contract(), agent(),
                                  {true, "", {}});
  EXPECT_EQ(c.argv[0], "mpirun");
  EXPECT_EQ(after(c.argv, "-n"), "3");
  EXPECT_TRUE(contains(c.argv, {"--allow-run-as-root"}));
  EXPECT_TRUE(contains(c.argv, {"--oversubscribe"}));
  EXPECT_TRUE(contains(c.argv, {"--mca", "mpi_yield_when_idle", "1"})) << "3 ranks on 2 cores";
  EXPECT_FALSE(contains(c.argv, {"-H"}));
  // Names on the command line, values in mpirun's environment (never in ps).
  for (const char* name : {"COHORT_RUN_ID", "COHORT_RESTART_COUNT", "COHORT_OUTPUTS_DIR",
                           "COHORT_LOGS_DIR", "OMP_NUM_THREADS"}) {
    EXPECT_TRUE(contains(c.argv, {"-x", name})) << name;
  }
  const EnvList expected = {{"COHORT_RUN_ID", "run-1"},
                            {"COHORT_RESTART_COUNT", "2"},
                            {"COHORT_OUTPUTS_DIR", "/o"},
                            {"COHORT_LOGS_DIR", "/l"},
                            {"OMP_NUM_THREADS", "1"}};
  EXPECT_EQ(c.env, expected);
  for (const auto& word : c.argv)
    EXPECT_EQ(word.find("OMP_NUM_THREADS="), std::string::npos) << word;
  EXPECT_TRUE(contains(c.argv, {"--mca", "odls_base_signal_direct_children_only", "1"}));
  EXPECT_TRUE(
      contains(c.argv, {"/bin/cohortrun", "--rank-agent", "--logs", "/l", "--run-id", "run-1",
                        "--restart", "2", "--console-ranks", "0", "--grace-period", "7.5",
                        "--stop-signal", "USR2", "--", "/bin/train", "--lr", "0.1"}));
  EXPECT_EQ(c.argv.back(), "0.1") << "the program's arguments come last";
  EXPECT_EQ(c.stop_signal, SIGUSR2);
  EngineCommand user = mpirunCommand(planOf({"--", "x"}), contract(), agent(), {false, "", {}});
  EXPECT_FALSE(contains(user.argv, {"--allow-run-as-root"}));
}

TEST(MpirunCommand, HostsNetworkAndKeepalive) {
  EngineCommand c = mpirunCommand(planOf({"--hosts", "h1:2,h2:2", "--", "x"}), contract(), agent(),
                                  {false, "10.200.0.0/24", {"--mca", "btl", "tcp,self"}});
  EXPECT_EQ(after(c.argv, "-n"), "4");
  EXPECT_EQ(after(c.argv, "-H"), "h1:2,h2:2");
  EXPECT_EQ(after(c.argv, "--map-by"), "slot");
  EXPECT_FALSE(contains(c.argv, {"--oversubscribe"}));
  EXPECT_TRUE(contains(c.argv, {"--mca", "btl_tcp_if_include", "10.200.0.0/24"}));
  EXPECT_TRUE(contains(c.argv, {"--mca", "oob_tcp_if_include", "10.200.0.0/24"}));
  EXPECT_TRUE(contains(c.argv, {"--mca", "oob_tcp_keepalive_time", "4"}));
  EXPECT_TRUE(contains(c.argv, {"--mca", "oob_tcp_keepalive_intvl", "1"}));
  EXPECT_TRUE(contains(c.argv, {"--mca", "oob_tcp_keepalive_probes", "3"}));
  EXPECT_TRUE(contains(c.argv, {"--mca", "btl", "tcp,self", "/bin/cohortrun"})) << "engine options";
}

TEST(SrunCommand, InsideAnAllocation) {
  std::map<std::string, std::string> env = {
      {"SLURM_JOB_ID", "9"}, {"SLURM_JOB_NODELIST", "n[1-2]"}, {"SLURM_TASKS_PER_NODE", "3(x2)"}};
  EngineCommand c = srunCommand(planOf({"--", "x"}, env), contract(), agent(), {"--exclusive"});
  EXPECT_EQ(c.argv[0], "srun");
  EXPECT_TRUE(contains(c.argv, {"--mpi=pmix"}));
  EXPECT_TRUE(contains(c.argv, {"--nodes=2"}));
  EXPECT_TRUE(contains(c.argv, {"--nodelist=n1,n2"}));
  EXPECT_TRUE(contains(c.argv, {"--ntasks=6"}));
  EXPECT_TRUE(contains(c.argv, {"--ntasks-per-node=3"}));
  EXPECT_TRUE(contains(c.argv, {"--kill-on-bad-exit=1"}));
  EXPECT_TRUE(contains(c.argv, {"--exclusive", "/bin/cohortrun", "--rank-agent"}));
  EXPECT_TRUE(contains(c.argv, {"--job-name=cohort-run-1-2"})) << "the step's name";
  EXPECT_FALSE(contains(c.argv, {"--stop-signal"})) << "Slurm signals the step itself";
  EXPECT_EQ(c.stop_signal, 0);
  EXPECT_EQ(c.slurm_step_name, "cohort-run-1-2");
  EXPECT_EQ(c.env, contract().variables());
}

// torchrun's MASTER_ADDR/MASTER_PORT go to every rank, after the COHORT_*
// contract; a --env that names one of them wins (and is not doubled).
TEST(RankContract, TorchrunRendezvousVariables) {
  RankContract c = contract();
  c.master_addr = "h1";
  c.master_port = 29123;
  EnvList vars = c.variables();
  auto count = [&vars](const std::string& name) {
    int n = 0;
    for (const auto& [k, v] : vars) n += k == name;
    return n;
  };
  auto value = [&vars](const std::string& name) {
    for (const auto& [k, v] : vars)
      if (k == name) return v;
    return std::string("(unset)");
  };
  EXPECT_EQ(value("MASTER_ADDR"), "h1");
  EXPECT_EQ(value("MASTER_PORT"), "29123");
  c.user_env.push_back({"MASTER_PORT", "40000"});
  vars = c.variables();
  EXPECT_EQ(count("MASTER_PORT"), 1);
  EXPECT_EQ(value("MASTER_PORT"), "40000");
  EXPECT_EQ(value("MASTER_ADDR"), "h1");
  RankContract unset = contract();
  vars = unset.variables();
  EXPECT_EQ(count("MASTER_ADDR") + count("MASTER_PORT"), 0) << "no rendezvous chosen, none set";
}

TEST(Rendezvous, RankZerosHostAndAFreePort) {
  JobPlan local;
  local.engine = Engine::kMpirunLocal;
  EXPECT_EQ(chooseRendezvous(local).addr, "127.0.0.1");
  JobPlan hosts;
  hosts.engine = Engine::kMpirunHosts;
  hosts.hosts = {{"h1", 0, 2}, {"h2", 2, 2}};
  const Rendezvous r = chooseRendezvous(hosts);
  EXPECT_EQ(r.addr, "h1");
  EXPECT_GT(r.port, 0);
  EXPECT_LT(r.port, 65536);
}

TEST(SbatchScript, ShapeOutputAndQuotedCommand) {
  std::string s =
      sbatchScript(planOf({"--slurm-submit", "--nodes", "2", "--procs-per-node", "4", "--", "x"}),
                   "r1", "/data/logs", "/data", 3600, {"--partition=gpu"},
                   {"/bin/cohortrun", "--run-id", "r1", "--", "/bin/train", "it's"});
  EXPECT_EQ(s.rfind("#!/bin/bash\n", 0), 0u);
  EXPECT_NE(s.find("#SBATCH --nodes=2\n"), std::string::npos);
  EXPECT_NE(s.find("#SBATCH --ntasks-per-node=4\n"), std::string::npos);
  EXPECT_NE(s.find("#SBATCH --output=/data/logs/slurm-%j.out\n"), std::string::npos);
  EXPECT_NE(s.find("#SBATCH --chdir=/data\n"), std::string::npos);
  EXPECT_NE(s.find("#SBATCH --time=61\n"), std::string::npos) << "a minute above --timeout";
  EXPECT_NE(s.find("#SBATCH --partition=gpu\n"), std::string::npos);
  EXPECT_NE(s.find("exec /bin/cohortrun --run-id r1 -- /bin/train 'it'\\''s'\n"), std::string::npos)
      << s;
}

// With --env values, the script names their file, removes it when the job
// ends, and does not exec (the shell must outlive cohortrun to remove it).
TEST(SbatchScript, EnvFileIsRemovedWhenTheJobEnds) {
  std::string s =
      sbatchScript(planOf({"--slurm-submit", "--", "x"}), "r1", "/data/logs", "/data", 0, {},
                   {"/bin/cohortrun", "--env-file", "/data/logs/sbatch-r1.env", "--", "/bin/train"},
                   "/data/logs/sbatch-r1.env");
  EXPECT_NE(s.find("env_file=/data/logs/sbatch-r1.env\ntrap 'rm -f -- \"$env_file\"' EXIT\n"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("\n/bin/cohortrun --env-file /data/logs/sbatch-r1.env -- /bin/train\n"),
            std::string::npos)
      << s;
  EXPECT_EQ(s.find("exec "), std::string::npos) << s;
}

TEST(ShellQuote, SafeWordsStayBareOthersAreQuoted) {
  EXPECT_EQ(shellQuote("a/b-c_d.e:f=g,h@%+"), "a/b-c_d.e:f=g,h@%+");
  EXPECT_EQ(shellQuote(""), "''");
  EXPECT_EQ(shellQuote("a b"), "'a b'");
  EXPECT_EQ(shellQuote("$HOME"), "'$HOME'");
  EXPECT_EQ(shellJoin({"echo", "it's"}), "echo 'it'\\''s'");
}

TEST(AgentCall, TheAgentReadsWhatCohortrunWrites) {
  AgentCall call = agent();
  call.stop_signal = "USR2";
  call.program = {"/bin/train", "--logs", "x", "--", "-h"};
  const Words argv = call.argv();
  ASSERT_EQ(argv[1], "--rank-agent");
  const AgentOptions o = parseAgentOptions({argv.begin() + 2, argv.end()});
  EXPECT_EQ(o.logs_dir, "/l");
  EXPECT_EQ(o.run_id, "run-1");
  EXPECT_EQ(o.restart, 2);
  EXPECT_EQ(o.console_ranks.text(), "0");
  EXPECT_EQ(o.grace_s, 7.5);
  EXPECT_EQ(o.stop_signal, SIGUSR2);
  EXPECT_EQ(o.program, call.program) << "the program's arguments pass untouched";
}

TEST(AgentCall, BadAgentArgumentsAreRefused) {
  auto error = [](const Words& args) {
    try {
      parseAgentOptions(args);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_NE(error({"--logs", "/l", "--bogus", "--", "x"}).find("unknown option '--bogus'"),
            std::string::npos);
  EXPECT_NE(error({"--logs", "/l", "--restart", "x", "--", "p"}).find("--restart 'x'"),
            std::string::npos);
  EXPECT_NE(error({"--logs", "/l", "--stop-signal", "KILL", "--", "p"}).find("is not one of"),
            std::string::npos);
  EXPECT_NE(error({"--logs", "/l", "--"}).find("a program after '--'"), std::string::npos);
}

}  // namespace
}  // namespace cohort::launcher
