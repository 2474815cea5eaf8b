// Why the driver stopped a trial (sweep::StopRequest), kept in TRIAL/stop.json from just before
// the SIGTERM until the trial starts again, so a driver restarted after
// kill -9 settles a trial that ended meanwhile as cut, paused or completed
// (not as failed by the signal).
#pragma once

#include <optional>
#include <string>

#include "cohort/sweep/trial_lifecycle.h"
#include "sweep/sweep_folder.h"

namespace cohort::sweep_tool {

void writeStopRequest(const TrialFolder& trial, const sweep::StopRequest& stop);
// The request in the trial's folder, if there is one (and it can be read).
std::optional<sweep::StopRequest> readStopRequest(const TrialFolder& trial);
void clearStopRequest(const TrialFolder& trial);

}  // namespace cohort::sweep_tool
