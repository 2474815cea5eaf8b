#include "cohort/registry/run_outputs.h"

#include <filesystem>

#include "cohort/core/error.h"
#include "cohort/registry/lineage.h"

namespace cohort::registry {

namespace fs = std::filesystem;

VersionRecord registerRunOutputs(Registry& registry, const RunOutputs& run,
                                 std::vector<std::string>* notes) {
  const fs::path outputs(run.outputs), model = fs::path(run.outputs) / "model";
  std::error_code error;
  if (!fs::is_directory(outputs, error)) {
    throw ConfigError("the run's outputs folder " + run.outputs + " is not a folder",
                      "name the outputs folder of a finished run");
  }
  if (!fs::is_directory(model, error) || fs::is_empty(model, error)) {
    throw ConfigError(
        "the run's outputs folder " + run.outputs + " holds no model (" + model.string() +
            " is missing or empty)",
        "name the outputs folder of a run that finished: the trainer writes OUTPUTS/model/ at the "
        "end (cohort::checkpoint::exportModel)");
  }
  std::string logs = run.logs;
  if (logs.empty() && fs::is_directory(outputs.parent_path() / "logs", error)) {
    logs = (outputs.parent_path() / "logs").string();
  }
  if (!logs.empty() && !fs::is_directory(logs, error)) {
    throw ConfigError("the run's logs folder " + logs + " is not a folder",
                      "name the run's logs folder, or leave it out");
  }
  const nlohmann::json lineage = gatherLineage({run.outputs, logs, nullptr}, notes);
  return registry.registerModel(run.name, model.string(), lineage, run.tags);
}

}  // namespace cohort::registry
