#include "sweep/stop_request.h"

#include <unistd.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "cohort/core/json.h"
#include "common/posix_io.h"
#include "sweep/trial_value.h"

namespace cohort::sweep_tool {

void writeStopRequest(const TrialFolder& trial, const sweep::StopRequest& stop) {
  const nlohmann::json j = {{"action", sweep::actionName(stop.action)},
                            {"interval", stop.decision.interval},
                            {"value", finiteOrNull<nlohmann::json>(stop.decision.value)},
                            {"threshold", finiteOrNull<nlohmann::json>(stop.decision.threshold)},
                            {"reason", stop.decision.reason}};
  launcher::writeFileAtomically(trial.stop, j.dump(2) + "\n");
}

std::optional<sweep::StopRequest> readStopRequest(const TrialFolder& trial) {
  const auto j = nlohmann::json::parse(launcher::readWholeFile(trial.stop), nullptr, false);
  if (!j.is_object() || !j.contains("action") || !j["action"].is_string()) return std::nullopt;
  sweep::StopRequest stop;
  // A stop, a pause or a complete: "continue" stops nothing.
  const auto action = sweep::enumValue(sweep::kActionNames, j["action"].get<std::string>());
  if (!action || *action == sweep::Action::kContinue) return std::nullopt;
  stop.action = *action;
  stop.decision.action = stop.action;
  stop.decision.interval = jsonField(j, "interval", int64_t{0});
  stop.decision.value = jsonField(j, "value", std::nan(""));
  stop.decision.threshold = jsonField(j, "threshold", std::nan(""));
  stop.decision.reason = jsonField(j, "reason", std::string());
  return stop;
}

void clearStopRequest(const TrialFolder& trial) { ::unlink(trial.stop.c_str()); }

}  // namespace cohort::sweep_tool
