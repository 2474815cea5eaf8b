#include "sweep/sweep_registration.h"

#include <cstdio>

#include "cohort/core/env.h"
#include "cohort/core/error.h"
#include "cohort/core/settings.h"
#include "cohort/registry/model_ref.h"
#include "cohort/registry/registry_location.h"
#include "cohort/registry/run_outputs.h"

namespace cohort::sweep_tool {

namespace {

registry::Registry openRegistry(const sweep::SweepSpec& spec) {
  return registry::openRegistry(spec.registry.url, Settings::fromEnvironment(processEnv()));
}

}  // namespace

void checkRegistry(const sweep::SweepSpec& spec) {
  if (spec.registry.name.empty()) return;
  const std::string where = spec.file + ":" + std::to_string(spec.registry.line) + ": registry: ";
  try {
    registry::checkName(spec.registry.name, "model name");
  } catch (const ConfigError& e) {
    throw ConfigError(where + e.detail(), e.hint());
  }
  try {
    openRegistry(spec).checkWritable();
  } catch (const Error& e) {
    throw ConfigError(where + e.detail() + " (no trial was started)",
                      e.hint() +
                          "; or fix `registry` in the sweep file (its url, else COHORT_REGISTRY) "
                          "and the credentials in the environment");
  }
}

std::string registerBest(const sweep::SweepSpec& spec, const TrialFolder& paths,
                         const std::string& sweep_id, int64_t trial) {
  registry::Registry registry = openRegistry(spec);
  registry::RunOutputs request;
  request.name = spec.registry.name;
  request.outputs = paths.outputs;
  request.logs = paths.logs;
  request.tags = {{"sweep", sweep_id}, {"trial", std::to_string(trial)}};
  std::vector<std::string> notes;
  const auto version = registry::registerRunOutputs(registry, request, &notes);
  for (const auto& n : notes) std::fprintf(stderr, "cohort-sweep: note: %s\n", n.c_str());
  return version.name + ":" + std::to_string(version.version) + " in " + registry.location();
}

}  // namespace cohort::sweep_tool
