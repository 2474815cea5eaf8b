// Registering the sweep's best trial once per sweep: the folder's
// registered.json records the trial registered and its version, so a `run`
// of a finished sweep does not register it again, and a registration that
// failed is tried again by the next `run`.
#pragma once

#include <cstdint>
#include <string>

#include "cohort/sweep/sweep_spec.h"
#include "sweep/driver_log.h"
#include "sweep/sweep_folder.h"

namespace cohort::sweep_tool {

// Registers trial `best`'s model (sweep_registration.h) unless registered.json
// says it is already; `run`'s exit status: 0, or kRegisterFailed (saying why
// on `log`, and on stderr even when quiet).
int registerOnce(const sweep::SweepSpec& spec, const SweepFolder& folder,
                 const std::string& sweep_id, int64_t best, const DriverLog& log);

}  // namespace cohort::sweep_tool
