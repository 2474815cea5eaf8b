// mpirun's command line for a job on this machine or on a host list.
//
// Note [Stopping under mpirun]: Open MPI 4 ends a job's processes with
// SIGCONT, then SIGTERM after odls_base_sigkill_timeout (1 s), then SIGKILL
// after as long again, and it refuses to forward SIGTERM to the processes
// (ess_base_forward_signals rejects it). To give ranks a configurable grace
// period, cohortrun sends mpirun SIGUSR2, which mpirun forwards; with
// odls_base_signal_direct_children_only it reaches only the rank agents, and
// each agent turns it into SIGTERM for its program, then SIGKILL after the
// grace period. A rank that fails still ends the job within about 2 s.
#include <csignal>

#include "cohortrun/engine_command.h"

namespace cohort::launcher {

namespace {

void mca(std::vector<std::string>* args, const std::string& name, const std::string& value) {
  args->insert(args->end(), {"--mca", name, value});
}

}  // namespace

EngineCommand mpirunCommand(const JobPlan& plan, const RankContract& contract,
                            const AgentCall& agent, const MpirunSettings& settings) {
  EngineCommand cmd;
  auto& a = cmd.argv;
  a = {"mpirun", "-n", std::to_string(plan.world_size), "--bind-to", "none", "--stdin", "none"};
  if (settings.as_root) a.push_back("--allow-run-as-root");
  if (plan.engine == Engine::kMpirunLocal) {
    // Any number of ranks on one machine; waiting ranks give up their core.
    a.push_back("--oversubscribe");
    if (plan.oversubscribed) mca(&a, "mpi_yield_when_idle", "1");
  } else {
    std::string hosts;
    for (const auto& h : plan.hosts) {
      hosts += (hosts.empty() ? "" : ",") + h.name + ":" + std::to_string(h.ranks);
    }
    a.insert(a.end(), {"-H", hosts, "--map-by", "slot"});
    if (!settings.network.empty()) {
      mca(&a, "btl_tcp_if_include", settings.network);
      mca(&a, "oob_tcp_if_include", settings.network);
    }
    // A host whose link dies would otherwise hang the job for minutes (the
    // daemons' connections are idle, and TCP waits hours by default): with
    // keepalive probes after 4 s of silence, 1 s apart, mpirun gives up on a
    // daemon that misses 3 of them, about 7 s after its link went down.
    mca(&a, "oob_tcp_keepalive_time", "4");
    mca(&a, "oob_tcp_keepalive_intvl", "1");
    mca(&a, "oob_tcp_keepalive_probes", "3");
  }
  mca(&a, "odls_base_signal_direct_children_only", "1");  // See Note [Stopping under mpirun]
  // The values go in mpirun's environment and only the names on its command
  // line (-x NAME exports mpirun's own value), so a secret passed with --env
  // never shows in the process table.
  cmd.env = contract.variables();
  for (const auto& [name, value] : cmd.env) a.insert(a.end(), {"-x", name});
  a.insert(a.end(), settings.extra.begin(), settings.extra.end());
  AgentCall stopping = agent;
  stopping.stop_signal = "USR2";
  auto agent_argv = stopping.argv();
  a.insert(a.end(), agent_argv.begin(), agent_argv.end());
  cmd.stop_signal = SIGUSR2;
  return cmd;
}

}  // namespace cohort::launcher
