// What an Uploader has already copied, kept in a small JSON file so that a
// sync after a crash copies only what changed and goes on with a large file
// from the block it had reached:
//
//   {"url":"azure://acct/runs/job-7","files":{
//     "logs/metrics.jsonl":{"size":52011,"mtime_ns":1763900000123456789,"complete":true},
//     "outputs/checkpoints/step-00000100/model.h5":{"size":104857600,"mtime_ns":...,
//       "complete":false,"block_bytes":8388608,"blocks_done":5}}}
//
// A file is copied again when its size or modification time differ from the
// entry. The file is replaced by a rename on every save, so a crash leaves
// the old or the new state, never a torn one; an unreadable state file is
// dropped with a warning (everything is then copied again).
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace cohort::storage {

struct UploadedFile {
  int64_t size = 0;
  int64_t mtime_ns = 0;
  bool complete = false;
  int64_t block_bytes = 0;  // for a block upload in progress
  int64_t blocks_done = 0;
};

class UploadState {
 public:
  // Loads `path` if it exists and was written for `url` (redacted form).
  UploadState(std::string path, std::string url);

  // The entry for a remote name, or null.
  const UploadedFile* find(const std::string& name) const;
  // Records an entry and saves the file.
  void put(const std::string& name, const UploadedFile& file);

  const std::string& path() const { return path_; }

 private:
  void save() const;

  std::string path_;
  std::string url_;
  std::map<std::string, UploadedFile> files_;
};

}  // namespace cohort::storage
