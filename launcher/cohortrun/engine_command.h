// The command lines cohortrun runs: mpirun, srun, or an sbatch script. Pure
// builders from the job plan; the supervisor runs what they return.
//
// Every rank is started through cohortrun's rank agent (rank_agent.h), which
// sets the rank variables, keeps the rank's log and records how it ended, so
// the ranks see the same contract and leave the same records under every engine.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "cohortrun/job_plan.h"
#include "cohortrun/rank_set.h"

namespace cohort::launcher {

using EnvList = std::vector<std::pair<std::string, std::string>>;

// What every rank finds in its environment, set by cohortrun (the rank
// variables are added by the agent, from the engine's own).
struct RankContract {
  std::string run_id;
  int restart_count = 0;
  std::string outputs_dir;  // absolute
  std::string logs_dir;     // absolute
  EnvList user_env;         // --env, in order
  std::string master_addr;  // torchrun's MASTER_ADDR ("" : not set)
  int master_port = 0;      // and MASTER_PORT (0: not set)

  // COHORT_RUN_ID, COHORT_RESTART_COUNT, COHORT_OUTPUTS_DIR, COHORT_LOGS_DIR,
  // MASTER_ADDR and MASTER_PORT (unless --env names them), then --env.
  EnvList variables() const;
};

// How each rank is started: `LAUNCHER --rank-agent ... -- PROGRAM ARGS`.
struct AgentCall {
  std::string launcher;  // absolute path of cohortrun (the same on every host)
  std::string logs_dir;
  std::string run_id;  // for the agent's exit records
  int restart_count = 0;
  RankSet console_ranks = RankSet::all();
  double grace_s = 10;
  std::string stop_signal;  // "USR2" under mpirun (see Note [Stopping under mpirun]); "" otherwise
  bool world_of_one = false;  // no engine: the agent is rank 0 of 1 (See Note [A world of one])
  std::vector<std::string> program;

  std::vector<std::string> argv() const;
};

struct EngineCommand {
  std::vector<std::string> argv;
  EnvList env;  // set in the engine's own environment (srun passes it on)
  // What the launcher sends the engine to stop the job gracefully (see
  // supervisor.h); 0 for srun, whose step is signalled through Slurm by name.
  int stop_signal = 0;
  std::string slurm_step_name;
};

struct MpirunSettings {
  bool as_root = false;            // adds --allow-run-as-root
  std::string network;             // CIDR or interface for the TCP traffic; "" lets Open MPI choose
  std::vector<std::string> extra;  // --engine-option
};

EngineCommand mpirunCommand(const JobPlan& plan, const RankContract& contract,
                            const AgentCall& agent, const MpirunSettings& settings);

// Note [A world of one]
// A job of one rank on this machine needs no launcher: unless --engine
// mpirun asks for one, cohortrun starts the rank agent itself, as rank 0 of
// 1, which saves mpirun's start (about 70 ms here, most of a short sweep
// trial's overhead). The rank sees the same variables and leaves the same
// records; a program that calls MPI_Init starts as an MPI singleton (world
// size 1), which Open MPI supports without mpirun. cohortrun stops it with
// SIGTERM to the agent, which gives the program its grace period. The
// singleton's session folder is the agent's own, removed when the program
// ends (See Note [Singleton session folders] in singleton_session.h).
EngineCommand directCommand(const RankContract& contract, const AgentCall& agent);

EngineCommand srunCommand(const JobPlan& plan, const RankContract& contract, const AgentCall& agent,
                          const std::vector<std::string>& extra);

// The batch script for --slurm-submit: #SBATCH lines for the job's shape and
// its output file, then cohortrun itself (`inner` is its full command line),
// which runs the ranks with srun inside the allocation. With `env_file` (the
// file `inner` passes by --env-file, holding the values of --env), the script
// removes that file when the job ends.
std::string sbatchScript(const JobPlan& plan, const std::string& run_id,
                         const std::string& logs_dir, const std::string& work_dir, double timeout_s,
                         const std::vector<std::string>& sbatch_options,
                         const std::vector<std::string>& inner, const std::string& env_file = "");

}  // namespace cohort::launcher
