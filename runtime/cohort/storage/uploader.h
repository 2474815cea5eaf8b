// Uploader: copies local folders (a run's logs and outputs) to a storage
// location -- azure://..., a path-style Azure endpoint such as Azurite's,
// hdfs://... (WebHDFS) or a local folder -- through the data layer's Storage
// backends, with their retries.
//
//   Uploader up({"azure://acct/runs/job-7", StorageOptions::fromSettings(s),
//   "logs/.upload-state.json"}); up.syncFolder("./logs", "logs");            // only files changed
//   since the last sync up.syncLatestCheckpoint("./outputs", "outputs");
//
// Only changed files are copied: a file's size and modification time are
// compared with the UploadState. Files larger than the block size go to
// Azure in blocks (Put Block, then Put Block List), recorded in the state
// after each block, so an upload killed part-way goes on from the next block;
// other backends write each file whole. Names starting with '.' (temporary
// files, checkpoint folders still being written, the state file) are never
// copied. A refused credential or another permanent failure is a DataError
// naming the URL and the storage's message.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cohort/storage/storage.h"
#include "cohort/storage/upload_state.h"

namespace cohort::storage {

struct UploadOptions {
  std::string url;                  // the destination; no query string (SAS goes in the settings)
  storage::StorageOptions storage;  // credentials, retries
  std::string state_path;           // the UploadState file
  int64_t block_bytes = 8 << 20;    // Azure block size (and the size above which blocks are used)
};

struct SyncResult {
  int uploaded = 0;   // files copied
  int unchanged = 0;  // files skipped as already copied
  int64_t bytes = 0;  // bytes copied
};

class Uploader {
 public:
  // Opens the destination (an Azure container is created if missing), which
  // checks the credentials. A ConfigError for a URL with a query string.
  explicit Uploader(UploadOptions options);
  ~Uploader();

  // Every file under `local_dir` (recursively, sorted) as PREFIX/relative path.
  SyncResult syncFolder(const std::string& local_dir, const std::string& remote_prefix);
  // Named files under `local_dir`, in the given order.
  SyncResult syncFiles(const std::string& local_dir, const std::vector<std::string>& relative,
                       const std::string& remote_prefix);
  // If OUTPUTS/checkpoints/latest names a committed folder not yet copied,
  // copies that folder and then `latest` (so the remote `latest` never names
  // a folder still being copied). Returns what it copied (nothing if no change).
  SyncResult syncLatestCheckpoint(const std::string& outputs_dir, const std::string& remote_prefix);

  // Progress lines ("resuming NAME at block 5 of 13") go to this callback.
  void setReporter(std::function<void(const std::string&)> reporter) {
    reporter_ = std::move(reporter);
  }

 private:
  bool syncFile(const std::string& local_path, const std::string& remote_name, SyncResult* result);
  void uploadInBlocks(const std::string& local_path, const std::string& remote_name,
                      UploadedFile entry, int64_t start_block);

  UploadOptions options_;
  std::unique_ptr<storage::Storage> storage_;
  UploadState state_;
  std::string last_checkpoint_;
  std::function<void(const std::string&)> reporter_;
};

// `url` without its query string ("?sv=...&sig=..." becomes "?<redacted>"),
// for anything printed or recorded.
std::string redactUrl(const std::string& url);

}  // namespace cohort::storage
