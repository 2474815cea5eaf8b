// Registering the best trial's model when the sweep ends (the sweep file's
// `registry:`), through the same code as `cohort-model register`, so the
// version's lineage holds the trial's run, its data and, from
// LOGS/trial.json, the sweep and the trial's parameters.
#pragma once

#include <cstdint>
#include <string>

#include "cohort/sweep/sweep_spec.h"
#include "sweep/sweep_folder.h"

namespace cohort::sweep_tool {

// cohort-sweep run's exit status when the sweep completed but registering
// its best trial's model failed (cohortrun --register's is 7 too).
constexpr int kRegisterFailed = 7;

// Throws ConfigError when the sweep file's model name cannot be a registry
// name, or its registry cannot be reached and written (checked before any
// trial runs, with Registry::checkWritable).
void checkRegistry(const sweep::SweepSpec& spec);

// Registers TRIAL/outputs/model; returns "NAME:VERSION".
std::string registerBest(const sweep::SweepSpec& spec, const TrialFolder& paths,
                         const std::string& sweep_id, int64_t trial);

}  // namespace cohort::sweep_tool
