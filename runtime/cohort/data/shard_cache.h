// A bounded folder of verified shard files on a local disk, shared by the
// ranks of a node (and by later runs). Entries are named by their SHA-256
// ("<checksum>.h5", the shard's xxh128 or sha256 digest), never by a name taken from a data set, so
// nothing is ever written outside the folder; the same shard in two data sets is kept once. Files
// are written to a temporary name and renamed, so ranks filling the cache at once never see a
// partial file. When the folder holds more than its bound, the least recently used files are
// removed.
//
// A cache that fails (disk full, unwritable folder) only logs a warning: the
// shard is then read from storage.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "cohort/storage/storage.h"

namespace cohort::data {

class ShardCache {
 public:
  // An empty `folder` disables the cache.
  ShardCache(std::string folder, int64_t max_bytes);

  bool enabled() const { return !folder_.empty(); }
  const std::string& folder() const { return folder_; }

  // The cached file for `digest` (hashed into `checksum` as it is read), or
  // nullptr when there is none. The caller compares the digest (and calls
  // drop() when it does not match).
  std::shared_ptr<storage::Buffer> get(const std::string& digest, storage::Checksum* checksum);
  // Stores `bytes` (whose checksum is `digest`), then trims the folder to its bound.
  void put(const std::string& digest, const storage::Buffer& bytes);
  // Removes the entry for `digest`, if any.
  void drop(const std::string& digest);

 private:
  std::string pathOf(const std::string& digest) const;
  void trim(const std::string& keep);

  std::string folder_;
  int64_t max_bytes_;
  std::mutex trim_mutex_;
};

}  // namespace cohort::data
