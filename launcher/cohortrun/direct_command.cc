// The command for a world of one: the rank agent itself (See Note [A world
// of one] in engine_command.h).
#include <csignal>

#include "cohortrun/engine_command.h"

namespace cohort::launcher {

EngineCommand directCommand(const RankContract& contract, const AgentCall& agent) {
  EngineCommand cmd;
  AgentCall alone = agent;
  alone.world_of_one = true;
  cmd.argv = alone.argv();
  cmd.env = contract.variables();
  cmd.stop_signal = SIGTERM;  // the agent's own stop: SIGTERM, the grace period, SIGKILL
  return cmd;
}

}  // namespace cohort::launcher
