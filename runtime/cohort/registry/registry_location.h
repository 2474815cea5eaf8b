// Which registry a tool opens, decided in one place for cohort-model,
// cohortrun --register (through cohort-model) and cohort-sweep: the location
// the user named (--registry, a sweep file's `registry: {url: ...}`), else
// COHORT_REGISTRY (a setting), else ~/.cohort/registry; its credentials and
// retries come from the settings too.
#pragma once

#include <string>

#include "cohort/core/env.h"
#include "cohort/core/settings.h"
#include "cohort/registry/registry.h"

namespace cohort::registry {

// `named`, else settings.registry, else HOME/.cohort/registry (./.cohort/registry
// without a HOME).
std::string registryLocation(const std::string& named, const Settings& settings,
                             const EnvLookup& env = processEnv());

// The Registry at registryLocation(named, settings), with StorageOptions from `settings`.
Registry openRegistry(const std::string& named, const Settings& settings);

}  // namespace cohort::registry
