#include "cohort/data/shard_cache.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

#include "cohort/core/error.h"
#include "cohort/core/file_io.h"
#include "cohort/core/log.h"
#include "cohort/storage/storage_local.h"

namespace cohort::data {

namespace fs = std::filesystem;

namespace {

// A digest: 32 (xxh128) or 64 (sha256) lowercase hex digits.
bool isDigest(const std::string& text) {
  if (text.size() != 32 && text.size() != 64) return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

ShardCache::ShardCache(std::string folder, int64_t max_bytes)
    : folder_(std::move(folder)), max_bytes_(max_bytes) {
  if (folder_.empty()) return;
  std::error_code error;
  fs::create_directories(folder_, error);
  if (error) {
    throw ConfigError("cannot create the shard cache folder " + folder_ + ": " + error.message(),
                      "set COHORT_DATA_CACHE_DIR to a folder on a local disk this user can write, "
                      "or unset it to keep shards in memory only");
  }
}

std::string ShardCache::pathOf(const std::string& digest) const {
  // Only a checksum can name an entry: no path can leave the folder.
  COHORT_CHECK(isDigest(digest), DataError, "a shard cache key is not a checksum",
               "this is a bug in cohort");
  return (fs::path(folder_) / (digest + ".h5")).string();
}

std::shared_ptr<storage::Buffer> ShardCache::get(const std::string& digest,
                                                 storage::Checksum* checksum) {
  if (!enabled()) return nullptr;
  const std::string path = pathOf(digest);
  std::error_code error;
  const auto size = fs::file_size(path, error);
  if (error) return nullptr;
  try {
    storage::LocalStorage folder(folder_);
    auto bytes = folder.fetch(digest + ".h5", static_cast<int64_t>(size), checksum);
    fs::last_write_time(path, fs::file_time_type::clock::now(), error);  // most recently used
    return bytes;
  } catch (const DataError&) {
    return nullptr;  // removed or replaced meanwhile by another rank's trim
  }
}

void ShardCache::put(const std::string& digest, const storage::Buffer& bytes) {
  if (!enabled()) return;
  const std::string path = pathOf(digest);
  // A cached shard is checked when it is read: not flushed to disk.
  std::string problem;
  if (!writeFileAtomically(path,
                           [&bytes](int fd) { return writeAll(fd, bytes.data(), bytes.size()); },
                           &problem, {/*durable=*/false, ""})) {
    log::warn("cannot add to the shard cache " + folder_ + " (" + problem +
              "); reading from storage instead");
    return;
  }
  trim(path);
}

void ShardCache::drop(const std::string& digest) {
  if (!enabled()) return;
  std::error_code error;
  fs::remove(pathOf(digest), error);
}

void ShardCache::trim(const std::string& keep) {
  std::lock_guard<std::mutex> lock(trim_mutex_);
  struct Entry {
    fs::path path;
    fs::file_time_type used;
    int64_t bytes;
  };
  std::vector<Entry> entries;
  int64_t total = 0;
  std::error_code error;
  for (fs::directory_iterator it(folder_, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.size() < 3 || name.compare(name.size() - 3, 3, ".h5") != 0 ||
        !isDigest(name.substr(0, name.size() - 3))) {
      continue;
    }
    std::error_code e;
    Entry entry{it->path(), fs::last_write_time(it->path(), e),
                static_cast<int64_t>(it->file_size(e))};
    if (e) continue;
    total += entry.bytes;
    entries.push_back(entry);
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.used < b.used; });
  for (const Entry& entry : entries) {
    if (total <= max_bytes_) break;
    if (entry.path == keep) continue;
    std::error_code e;
    if (fs::remove(entry.path, e)) total -= entry.bytes;
  }
}

}  // namespace cohort::data
