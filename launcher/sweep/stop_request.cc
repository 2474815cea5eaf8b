#include "sweep/stop_request.h"

#include <unistd.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "cohort/core/json.h"
#include "common/posix_io.h"

namespace cohort::sweep_tool {
namespace {

std::string pathIn(const std::string& trial_dir) { return trial_dir + "/stop.json"; }

nlohmann::json number(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(); }

}  // namespace

void writeStopRequest(const std::string& trial_dir, const StopRequest& stop) {
  const nlohmann::json j = {{"action", sweep::actionName(stop.action)},
                            {"interval", stop.decision.interval},
                            {"value", number(stop.decision.value)},
                            {"threshold", number(stop.decision.threshold)},
                            {"reason", stop.decision.reason}};
  launcher::writeFileAtomically(pathIn(trial_dir), j.dump(2) + "\n");
}

std::optional<StopRequest> readStopRequest(const std::string& trial_dir) {
  const auto j = nlohmann::json::parse(launcher::readWholeFile(pathIn(trial_dir)), nullptr, false);
  if (!j.is_object() || !j.contains("action") || !j["action"].is_string()) return std::nullopt;
  StopRequest stop;
  const std::string action = j["action"];
  bool known = false;
  for (auto a : {sweep::Action::kStop, sweep::Action::kPause, sweep::Action::kComplete}) {
    if (action == sweep::actionName(a)) {
      stop.action = a;
      known = true;
    }
  }
  if (!known) return std::nullopt;
  stop.decision.action = stop.action;
  stop.decision.interval = jsonField(j, "interval", int64_t{0});
  stop.decision.value = jsonField(j, "value", std::nan(""));
  stop.decision.threshold = jsonField(j, "threshold", std::nan(""));
  stop.decision.reason = jsonField(j, "reason", std::string());
  return stop;
}

void clearStopRequest(const std::string& trial_dir) { ::unlink(pathIn(trial_dir).c_str()); }

}  // namespace cohort::sweep_tool
