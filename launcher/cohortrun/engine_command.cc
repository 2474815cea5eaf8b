#include "cohortrun/engine_command.h"
#include "cohortrun/options.h"
#include "common/duration.h"

namespace cohort::launcher {

EnvList RankContract::variables() const {
  EnvList vars = {{"COHORT_RUN_ID", run_id},
                  {"COHORT_RESTART_COUNT", std::to_string(restart_count)},
                  {"COHORT_OUTPUTS_DIR", outputs_dir},
                  {"COHORT_LOGS_DIR", logs_dir}};
  auto userSets = [this](const std::string& name) {
    for (const auto& [n, v] : user_env)
      if (n == name) return true;
    return false;
  };
  if (!master_addr.empty() && !userSets("MASTER_ADDR"))
    vars.push_back({"MASTER_ADDR", master_addr});
  if (master_port > 0 && !userSets("MASTER_PORT"))
    vars.push_back({"MASTER_PORT", std::to_string(master_port)});
  vars.insert(vars.end(), user_env.begin(), user_env.end());
  return vars;
}

std::vector<std::string> AgentCall::argv() const {
  std::vector<std::string> args = {launcher,          "--rank-agent",
                                   "--logs",          logs_dir,
                                   "--run-id",        run_id,
                                   "--restart",       std::to_string(restart_count),
                                   "--console-ranks", console_ranks.text(),
                                   "--grace-period",  durationText(grace_s)};
  if (world_of_one) args.push_back("--world-of-one");
  if (!stop_signal.empty()) {
    args.push_back("--stop-signal");
    args.push_back(stop_signal);
  }
  args.push_back("--");
  args.insert(args.end(), program.begin(), program.end());
  return args;
}

}  // namespace cohort::launcher
