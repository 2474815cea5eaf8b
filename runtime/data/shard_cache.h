// A bounded folder of verified shard files on a local disk, shared by the
// ranks of a node (and by later runs). Entries are named by their SHA-256
// ("<sha256>.h5"), never by a name taken from a data set, so nothing is ever
// written outside the folder; the same shard in two data sets is kept once.
// Files are written to a temporary name and renamed, so ranks filling the
// cache at once never see a partial file. When the folder holds more than
// its bound, the least recently used files are removed.
//
// A cache that fails (disk full, unwritable folder) only logs a warning: the
// shard is then read from storage.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

namespace cohort::data {

class ShardCache {
 public:
  // An empty `folder` disables the cache.
  ShardCache(std::string folder, int64_t max_bytes);

  bool enabled() const { return !folder_.empty(); }
  const std::string& folder() const { return folder_; }

  // Reads the cached file for `sha256` into `out`; false when there is none.
  // The caller verifies the bytes (and calls drop() when they do not match).
  bool get(const std::string& sha256, std::string* out);
  // Stores `bytes` (whose SHA-256 is `sha256`), then trims the folder to its bound.
  void put(const std::string& sha256, const std::string& bytes);
  // Removes the entry for `sha256`, if any.
  void drop(const std::string& sha256);

 private:
  std::string pathOf(const std::string& sha256) const;
  void trim(const std::string& keep);

  std::string folder_;
  int64_t max_bytes_;
  std::mutex trim_mutex_;
};

}  // namespace cohort::data
