#include "cohort/core/settings.h"

#include <sstream>

#include "cohort/core/error.h"
#include "cohort/core/log.h"

namespace cohort {

namespace {

double readNumber(const EnvLookup& env, const char* name, double fallback, bool positive) {
  auto text = env(name);
  if (!text) return fallback;
  auto value = parseNonNegative(*text);
  if (!value || (positive && *value == 0)) {
    throw ConfigError(std::string(name) + "='" + *text + "' is not a " +
                          (positive ? "positive" : "non-negative") + " number",
                      std::string("set ") + name + " to a number such as " +
                          std::to_string(static_cast<int>(fallback)) + ", or unset it");
  }
  return *value;
}

std::string readText(const EnvLookup& env, const char* name, const std::string& fallback) {
  auto text = env(name);
  return text ? *text : fallback;
}

std::string format(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

}  // namespace

Settings Settings::fromEnvironment(const EnvLookup& env) {
  Settings s;
  s.collective_timeout_s = readNumber(env, "COHORT_COLLECTIVE_TIMEOUT_S", s.collective_timeout_s, true);
  s.log_level = readText(env, "COHORT_LOG_LEVEL", s.log_level);
  log::Level level;
  if (!log::parseLevel(s.log_level, &level)) {
    throw ConfigError("COHORT_LOG_LEVEL='" + s.log_level + "' is not a log level",
                      "use debug, info, warn or error");
  }
  s.first_bucket_mib = readNumber(env, "COHORT_FIRST_BUCKET_MB", s.first_bucket_mib, true);
  s.bucket_mib = readNumber(env, "COHORT_BUCKET_MB", s.bucket_mib, true);
  const std::string shm = readText(env, "COHORT_SHM", "on");
  if (shm != "on" && shm != "off") {
    throw ConfigError("COHORT_SHM='" + shm + "' is neither on nor off",
                      "set COHORT_SHM=off to reduce through MPI only, or unset it");
  }
  s.shm = shm == "on";
  s.run_id = readText(env, "COHORT_RUN_ID", s.run_id);
  if (auto text = env("COHORT_RESTART_COUNT")) {
    auto value = parseInteger(*text);
    if (!value || *value > 1000000) {
      throw ConfigError("COHORT_RESTART_COUNT='" + *text + "' is not a restart count",
                        "leave COHORT_RESTART_COUNT to cohortrun, or set it to 0, 1, 2, ...");
    }
    s.restart_count = static_cast<int>(*value);
  }
  s.outputs_dir = readText(env, "COHORT_OUTPUTS_DIR", s.outputs_dir);
  s.logs_dir = readText(env, "COHORT_LOGS_DIR", s.logs_dir);
  return s;
}

std::vector<std::pair<std::string, std::string>> Settings::describe() const {
  return {
      {"COHORT_COLLECTIVE_TIMEOUT_S", format(collective_timeout_s)},
      {"COHORT_LOG_LEVEL", log_level},
      {"COHORT_FIRST_BUCKET_MB", format(first_bucket_mib)},
      {"COHORT_BUCKET_MB", format(bucket_mib)},
      {"COHORT_SHM", shm ? "on" : "off"},
      {"COHORT_RUN_ID", run_id.empty() ? "(none)" : run_id},
      {"COHORT_RESTART_COUNT", std::to_string(restart_count)},
      {"COHORT_OUTPUTS_DIR", outputs_dir},
      {"COHORT_LOGS_DIR", logs_dir},
  };
}

}  // namespace cohort
