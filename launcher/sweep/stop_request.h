// Why the driver stopped a trial, kept in TRIAL/stop.json from just before
// the SIGTERM until the trial starts again, so a driver restarted after
// kill -9 settles a trial that ended meanwhile as cut, paused or completed
// (not as failed by the signal).
#pragma once

#include <optional>
#include <string>

#include "cohort/sweep/policy.h"

namespace cohort::sweep_tool {

struct StopRequest {
  sweep::Action action = sweep::Action::kStop;  // kStop, kPause or kComplete
  sweep::Decision decision;
};

void writeStopRequest(const std::string& trial_dir, const StopRequest& stop);
// The request in `trial_dir`, if there is one (and it can be read).
std::optional<StopRequest> readStopRequest(const std::string& trial_dir);
void clearStopRequest(const std::string& trial_dir);

}  // namespace cohort::sweep_tool
