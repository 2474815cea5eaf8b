// srun's command line for a job inside a Slurm allocation.
#include "cohortrun/engine_command.h"
#include "cohortrun/slurm_control.h"

namespace cohort::launcher {

EngineCommand srunCommand(const JobPlan& plan, const RankContract& contract, const AgentCall& agent,
                          const std::vector<std::string>& extra) {
  EngineCommand cmd;
  std::string nodes;
  for (const auto& h : plan.hosts) nodes += (nodes.empty() ? "" : ",") + h.name;
  cmd.argv = {"srun",
              // Debian's Open MPI speaks PMIx only (pmi2 and none fail in MPI_Init).
              "--mpi=pmix", "--nodes=" + std::to_string(plan.nodes), "--nodelist=" + nodes,
              "--ntasks=" + std::to_string(plan.world_size),
              "--ntasks-per-node=" + std::to_string(plan.procs_per_node), "--distribution=block",
              // A rank that fails ends the step, as under mpirun.
              "--kill-on-bad-exit=1", "--input=none",
              // A name to find the step by when it has to be stopped (slurm_control.h).
              "--job-name=" + slurmStepName(contract.run_id, contract.restart_count)};
  cmd.argv.insert(cmd.argv.end(), extra.begin(), extra.end());
  auto agent_argv = agent.argv();
  cmd.argv.insert(cmd.argv.end(), agent_argv.begin(), agent_argv.end());
  // srun passes its whole environment on to the tasks.
  cmd.env = contract.variables();
  // srun answers SIGTERM by killing the step at once; a graceful stop goes
  // through scancel --signal=TERM instead (see job_runner.cc).
  cmd.stop_signal = 0;
  cmd.slurm_step_name = slurmStepName(contract.run_id, contract.restart_count);
  return cmd;
}

}  // namespace cohort::launcher
