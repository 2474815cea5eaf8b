// Registering the best trial's model when the sweep ends (the sweep file's
// `registry:`), through the same code as `cohort-model register`, so the
// version's lineage holds the trial's run, its data and, from
// LOGS/trial.json, the sweep and the trial's parameters.
#pragma once

#include <cstdint>
#include <string>

#include "cohort/sweep/sweep_spec.h"
#include "trial_job.h"

namespace cohort::sweep_tool {

// Throws ConfigError when the sweep file's model name cannot be a registry
// name (checked before any trial runs).
void checkRegistryName(const sweep::SweepSpec& spec);

// Registers TRIAL/outputs/model; returns "NAME:VERSION".
std::string registerBest(const sweep::SweepSpec& spec, const TrialPaths& paths,
                         const std::string& sweep_id, int64_t trial);

}  // namespace cohort::sweep_tool
