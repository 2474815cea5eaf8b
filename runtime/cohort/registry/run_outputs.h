// Registering what a run left: OUTPUTS/model becomes the next version of a
// model, with the lineage its outputs and logs folders hold (lineage.h).
// `cohort-model register` (and through it `cohortrun --register`) and
// cohort-sweep's best trial all register this way, so the checks and their
// messages are the same whoever asks: they name the folders, not a tool's
// options.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "cohort/registry/registry.h"

namespace cohort::registry {

struct RunOutputs {
  std::string name;     // the model's name
  std::string outputs;  // OUTPUTS (holds model/)
  std::string logs;     // "": OUTPUTS/../logs when it exists
  std::map<std::string, std::string> tags;
};

// Registers OUTPUTS/model with the lineage the run left. Throws ConfigError
// when OUTPUTS is not a folder, holds no model, or LOGS is not a folder;
// what the lineage could not find goes to *notes.
VersionRecord registerRunOutputs(Registry& registry, const RunOutputs& run,
                                 std::vector<std::string>* notes);

}  // namespace cohort::registry
