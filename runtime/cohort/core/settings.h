// Every COHORT_* setting, in one table (COHORT_SETTINGS below): read once at
// start-up by cohort::init() and logged there, and by each tool
// (Settings::fromEnvironment) for the ones it uses. Nothing else in cohort
// reads a COHORT_* variable, except the launcher contract (COHORT_RANK,
// COHORT_WORLD_SIZE, COHORT_LOCAL_RANK, COHORT_LOCAL_SIZE), which world
// discovery owns (cohort/world/world_env.h), and COHORT_SWEEP_ID and
// COHORT_TRIAL_ID, which cohort-sweep sets for a trial's program to read and
// cohort itself never reads. A test (tests/unit/test_settings.cc) greps the
// sources for any other.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "cohort/core/compression.h"
#include "cohort/core/env.h"

namespace cohort {

// One row per setting: X(type, member, variable, default, reader, meaning).
// The reader (settings.cc) parses and checks the variable's text and shows the
// value in the start-up log; the meaning is the row of docs/trainer.md's
// settings table (a unit test keeps the two equal).
// clang-format off
#define COHORT_SETTINGS(X) \
  X(double, collective_timeout_s, "COHORT_COLLECTIVE_TIMEOUT_S", 300.0, Positive(), \
    "a collective running longer than this (seconds) ends the job, with a message naming it") \
  X(std::string, log_level, "COHORT_LOG_LEVEL", "info", LogLevel(), \
    "debug, info, warn or error") \
  X(double, first_bucket_mib, "COHORT_FIRST_BUCKET_MB", 1.0, Positive(), \
    "cap of the first gradient bucket (MiB)") \
  X(double, bucket_mib, "COHORT_BUCKET_MB", 25.0, Positive(), \
    "cap of the other gradient buckets (MiB)") \
  X(Compression, compress, "COHORT_COMPRESS", Compression::kNone, CompressionReader(), \
    "how gradients travel between machines: `none` (float32), `bf16` or `fp16` (rounded, the rounding error fed back the next step)") \
  X(bool, shm, "COHORT_SHM", true, OnOff("set COHORT_SHM=off to reduce through MPI only, or unset it"), \
    "`on`: gradient buckets live in shared memory and the ranks of a machine reduce them there; `off`: through MPI") \
  X(std::string, run_id, "COHORT_RUN_ID", "", Text("(none)"), \
    "the run's id (set by cohortrun)") \
  X(int, restart_count, "COHORT_RESTART_COUNT", 0, Count(0, 1000000, "leave COHORT_RESTART_COUNT to cohortrun, or set it to 0, 1, 2, ..."), \
    "how often the run was restarted (set by cohortrun)") \
  X(std::string, outputs_dir, "COHORT_OUTPUTS_DIR", "./outputs", Text(""), \
    "where a trainer writes its checkpoints and model") \
  X(std::string, logs_dir, "COHORT_LOGS_DIR", "./logs", Text(""), \
    "where a trainer writes its logs (`settings.txt`, metrics, TensorBoard, timeline)") \
  X(std::string, azure_endpoint, "COHORT_AZURE_ENDPOINT", "", Text("(public Azure)"), \
    "the storage account's blob endpoint, for emulators and Azure Stack Hub (see data.md)") \
  X(std::string, azure_account_key, "COHORT_AZURE_ACCOUNT_KEY", "", Secret(), \
    "Azure Shared Key (a secret, never logged)") \
  X(std::string, azure_sas_token, "COHORT_AZURE_SAS_TOKEN", "", Secret(), \
    "Azure SAS token, used instead of the key when both are set (never logged)") \
  X(std::string, credentials_file, "COHORT_CREDENTIALS_FILE", "", Text("(none)"), \
    "a file of `key = value` credentials read for what the environment does not set (see data.md)") \
  X(std::string, hdfs_user, "COHORT_HDFS_USER", "", Text("(login name)"), \
    "WebHDFS `user.name`") \
  X(std::string, hdfs_delegation_token, "COHORT_HDFS_DELEGATION_TOKEN", "", Secret(), \
    "WebHDFS delegation token, used instead of `user.name` (never logged)") \
  X(std::string, data_cache_dir, "COHORT_DATA_CACHE_DIR", "", Text("(none: shards kept in memory)"), \
    "the local shard cache") \
  X(double, data_cache_mib, "COHORT_DATA_CACHE_MB", 4096.0, Positive(), \
    "the shard cache's bound (MiB)") \
  X(double, data_prefetch_mib, "COHORT_DATA_PREFETCH_MB", 1024.0, Positive(), \
    "memory for shards read ahead, per rank (MiB)") \
  X(int, data_threads, "COHORT_DATA_THREADS", 4, Count(1, 64, ""), \
    "reader threads per rank (mostly waiting on I/O)") \
  X(int, data_retries, "COHORT_DATA_RETRIES", 8, Count(1, 100, ""), \
    "tries of a failing request") \
  X(double, data_timeout_s, "COHORT_DATA_TIMEOUT_S", 60.0, Positive(), \
    "a request with no progress this long (seconds) has failed, and is retried") \
  X(bool, timeline, "COHORT_TIMELINE", true, OnOff("set COHORT_TIMELINE=off to write no timeline, or unset it"), \
    "`on` writes `LOGS/timeline/rank-N.json` (Chrome trace events); `off` does not") \
  X(double, timeline_max_mib, "COHORT_TIMELINE_MAX_MB", 256.0, Positive(), \
    "a rank's timeline stops growing at this size (MiB)") \
  X(std::string, upload_url, "COHORT_UPLOAD_URL", "", Url(), \
    "where cohort-upload copies the logs and outputs (cohortrun --upload sets it)") \
  X(double, upload_interval_s, "COHORT_UPLOAD_INTERVAL_S", 30.0, Positive(), \
    "seconds between uploads of the logs folder during a run") \
  X(double, upload_block_mib, "COHORT_UPLOAD_BLOCK_MB", 8.0, Positive(), \
    "files larger than this (MiB) go to Azure in blocks of this size") \
  X(std::string, registry, "COHORT_REGISTRY", "", Text("~/.cohort/registry"), \
    "the model registry of `cohort-model`, `cohortrun --register` and `cohort-sweep` when none is named: a folder, `azure://` or `hdfs://` URL (see registry.md)")
// clang-format on

struct Settings {
#define COHORT_SETTING_MEMBER(type, member, variable, fallback, reader, meaning) \
  type member = fallback;
  COHORT_SETTINGS(COHORT_SETTING_MEMBER)
#undef COHORT_SETTING_MEMBER

  // Reads every setting; a malformed value is a ConfigError naming the variable.
  static Settings fromEnvironment(const EnvLookup& env);

  // (variable, value) pairs, for the start-up log; secrets show as "(set)".
  std::vector<std::pair<std::string, std::string>> describe() const;

  // The table itself: variable, default as the log shows it, and meaning.
  struct Row {
    std::string variable, fallback, meaning;
  };
  static std::vector<Row> table();
};

}  // namespace cohort
