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

int readCount(const EnvLookup& env, const char* name, int fallback, int least, int most) {
  auto text = env(name);
  if (!text) return fallback;
  auto value = parseInteger(*text);
  if (!value || *value < least || *value > most) {
    throw ConfigError(std::string(name) + "='" + *text + "' is not a whole number from " +
                          std::to_string(least) + " to " + std::to_string(most),
                      std::string("set ") + name + " to a number such as " +
                          std::to_string(fallback) + ", or unset it");
  }
  return static_cast<int>(*value);
}

std::string secret(const std::string& value) { return value.empty() ? "(none)" : "(set)"; }

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
  s.azure_endpoint = readText(env, "COHORT_AZURE_ENDPOINT", s.azure_endpoint);
  s.azure_account_key = readText(env, "COHORT_AZURE_ACCOUNT_KEY", s.azure_account_key);
  s.azure_sas_token = readText(env, "COHORT_AZURE_SAS_TOKEN", s.azure_sas_token);
  s.credentials_file = readText(env, "COHORT_CREDENTIALS_FILE", s.credentials_file);
  s.hdfs_user = readText(env, "COHORT_HDFS_USER", s.hdfs_user);
  s.hdfs_delegation_token =
      readText(env, "COHORT_HDFS_DELEGATION_TOKEN", s.hdfs_delegation_token);
  s.data_cache_dir = readText(env, "COHORT_DATA_CACHE_DIR", s.data_cache_dir);
  s.data_cache_mib = readNumber(env, "COHORT_DATA_CACHE_MB", s.data_cache_mib, true);
  s.data_prefetch_mib = readNumber(env, "COHORT_DATA_PREFETCH_MB", s.data_prefetch_mib, true);
  s.data_threads = readCount(env, "COHORT_DATA_THREADS", s.data_threads, 1, 64);
  s.data_retries = readCount(env, "COHORT_DATA_RETRIES", s.data_retries, 1, 100);
  s.data_timeout_s = readNumber(env, "COHORT_DATA_TIMEOUT_S", s.data_timeout_s, true);
  const std::string timeline = readText(env, "COHORT_TIMELINE", "on");
  if (timeline != "on" && timeline != "off") {
    throw ConfigError("COHORT_TIMELINE='" + timeline + "' is neither on nor off",
                      "set COHORT_TIMELINE=off to write no timeline, or unset it");
  }
  s.timeline = timeline == "on";
  s.timeline_max_mib = readNumber(env, "COHORT_TIMELINE_MAX_MB", s.timeline_max_mib, true);
  s.upload_url = readText(env, "COHORT_UPLOAD_URL", s.upload_url);
  s.upload_interval_s = readNumber(env, "COHORT_UPLOAD_INTERVAL_S", s.upload_interval_s, true);
  s.upload_block_mib = readNumber(env, "COHORT_UPLOAD_BLOCK_MB", s.upload_block_mib, true);
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
      {"COHORT_AZURE_ENDPOINT", azure_endpoint.empty() ? "(public Azure)" : azure_endpoint},
      {"COHORT_AZURE_ACCOUNT_KEY", secret(azure_account_key)},
      {"COHORT_AZURE_SAS_TOKEN", secret(azure_sas_token)},
      {"COHORT_CREDENTIALS_FILE", credentials_file.empty() ? "(none)" : credentials_file},
      {"COHORT_HDFS_USER", hdfs_user.empty() ? "(login name)" : hdfs_user},
      {"COHORT_HDFS_DELEGATION_TOKEN", secret(hdfs_delegation_token)},
      {"COHORT_DATA_CACHE_DIR", data_cache_dir.empty() ? "(none: shards kept in memory)" : data_cache_dir},
      {"COHORT_DATA_CACHE_MB", format(data_cache_mib)},
      {"COHORT_DATA_PREFETCH_MB", format(data_prefetch_mib)},
      {"COHORT_DATA_THREADS", std::to_string(data_threads)},
      {"COHORT_DATA_RETRIES", std::to_string(data_retries)},
      {"COHORT_DATA_TIMEOUT_S", format(data_timeout_s)},
      {"COHORT_TIMELINE", timeline ? "on" : "off"},
      {"COHORT_TIMELINE_MAX_MB", format(timeline_max_mib)},
      // A query string may hold a SAS signature: never logged.
      {"COHORT_UPLOAD_URL", upload_url.empty() ? "(none)" : upload_url.substr(0, upload_url.find('?'))},
      {"COHORT_UPLOAD_INTERVAL_S", format(upload_interval_s)},
      {"COHORT_UPLOAD_BLOCK_MB", format(upload_block_mib)},
  };
}

}  // namespace cohort
