// Every COHORT_* setting, in one place: read once at start-up by cohort::init()
// and logged there. Nothing else in cohort reads a COHORT_* variable, except
// the launcher contract (COHORT_RANK/SIZE/LOCAL_*), which world discovery owns.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "cohort/core/env.h"

namespace cohort {

struct Settings {
  // COHORT_COLLECTIVE_TIMEOUT_S: a collective running longer than this ends the job.
  double collective_timeout_s = 300.0;
  // COHORT_LOG_LEVEL: debug, info, warn or error.
  std::string log_level = "info";
  // COHORT_FIRST_BUCKET_MB / COHORT_BUCKET_MB: DataParallel's gradient bucket caps (MiB).
  double first_bucket_mib = 1.0;
  double bucket_mib = 25.0;
  // COHORT_SHM: "on" puts gradient buckets in shared memory and reduces them
  // there between the ranks of a machine; "off" reduces them through MPI.
  bool shm = true;
  // COHORT_RUN_ID, COHORT_RESTART_COUNT: set by cohortrun; empty / 0 otherwise.
  std::string run_id;
  int restart_count = 0;
  // COHORT_OUTPUTS_DIR, COHORT_LOGS_DIR: where checkpoints and logs go.
  std::string outputs_dir = "./outputs";
  std::string logs_dir = "./logs";

  // Sharded data (runtime/data). See README "Sharded data".
  // COHORT_AZURE_ENDPOINT: the storage account's blob endpoint, for emulators
  // (http://127.0.0.1:10000/devstoreaccount1) and Azure Stack Hub; empty: public Azure.
  std::string azure_endpoint;
  // COHORT_AZURE_ACCOUNT_KEY / COHORT_AZURE_SAS_TOKEN: Shared Key or SAS (secrets, never logged).
  std::string azure_account_key;
  std::string azure_sas_token;
  // COHORT_CREDENTIALS_FILE: a file of key=value lines (azure_account_key, azure_sas_token,
  // hdfs_delegation_token) read when the variables above are not set.
  std::string credentials_file;
  // COHORT_HDFS_USER / COHORT_HDFS_DELEGATION_TOKEN: WebHDFS user.name or delegation token.
  std::string hdfs_user;
  std::string hdfs_delegation_token;
  // COHORT_DATA_CACHE_DIR / COHORT_DATA_CACHE_MB: bounded local shard cache (empty: none).
  std::string data_cache_dir;
  double data_cache_mib = 4096;
  // COHORT_DATA_PREFETCH_MB / COHORT_DATA_THREADS: memory for shards read ahead, reader threads.
  double data_prefetch_mib = 1024;
  int data_threads = 4;
  // COHORT_DATA_RETRIES / COHORT_DATA_TIMEOUT_S: tries of a failing request, and the time
  // one request may take without progress before it counts as failed.
  int data_retries = 8;
  double data_timeout_s = 60;

  // Logs and upload (runtime/runlog). See README "Logs and upload".
  // COHORT_TIMELINE: "on" writes LOGS/timeline/rank-N.json (Chrome trace events); "off" does not.
  bool timeline = true;
  // COHORT_TIMELINE_MAX_MB: a rank's timeline stops growing at this size.
  double timeline_max_mib = 256;
  // COHORT_UPLOAD_URL: where cohort-upload copies the logs and outputs (cohortrun --upload sets it).
  std::string upload_url;
  // COHORT_UPLOAD_INTERVAL_S: seconds between uploads of the logs folder during a run.
  double upload_interval_s = 30;
  // COHORT_UPLOAD_BLOCK_MB: files larger than this go to Azure in blocks of this size.
  double upload_block_mib = 8;

  // Reads every setting; a malformed value is a ConfigError naming the variable.
  static Settings fromEnvironment(const EnvLookup& env);

  // (variable, value) pairs, for the start-up log.
  std::vector<std::pair<std::string, std::string>> describe() const;
};

}  // namespace cohort
