#include "cohort/registry/registry_location.h"

namespace cohort::registry {

std::string registryLocation(const std::string& named, const Settings& settings,
                             const EnvLookup& env) {
  if (!named.empty()) return named;
  if (!settings.registry.empty()) return settings.registry;
  const auto home = env("HOME");
  return (home && !home->empty() ? *home : std::string(".")) + "/.cohort/registry";
}

Registry openRegistry(const std::string& named, const Settings& settings) {
  return Registry(registryLocation(named, settings),
                  storage::StorageOptions::fromSettings(settings));
}

}  // namespace cohort::registry
