#include "cohort/data/shard_source.h"

#include "cohort/core/error.h"
#include "cohort/core/log.h"
#include "cohort/data/dataset_errors.h"
#include "cohort/storage/checksum.h"

namespace cohort::data {

std::shared_ptr<storage::Buffer> ShardSource::fetch(int index) {
  const ShardEntry& entry = manifest_.shards.at(static_cast<size_t>(index));
  const std::string url = storage_.urlOf(entry.file);
  {
    storage::Checksum checksum(entry.checksum_kind);
    if (auto cached = cache_.get(entry.checksum, &checksum)) {
      if (cached->size() == static_cast<size_t>(entry.bytes) && checksum.hex() == entry.checksum)
        return cached;
      log::warn("the cached copy of " + url + " in " + cache_.folder() +
                " is damaged; reading it again");
      cache_.drop(entry.checksum);
    }
  }
  // Size and checksum are checked as the bytes arrive (see Storage::fetch).
  storage::Checksum checksum(entry.checksum_kind);
  std::shared_ptr<storage::Buffer> bytes;
  withDataSetAdvice(entry.file,
                    [&] { bytes = storage_.fetch(entry.file, entry.bytes, &checksum); });
  const std::string sum = checksum.hex();
  if (sum != entry.checksum) {
    throw DataError("the shard " + url + " is corrupted: its " +
                        storage::checksumName(entry.checksum_kind) + " is " + sum +
                        " but index.json says " + entry.checksum,
                    "restore the shard from a good copy, or repack the data set with cohort-pack");
  }
  cache_.put(entry.checksum, *bytes);
  return bytes;
}

std::shared_ptr<const ShardColumns> ShardSource::load(int index) {
  const ShardEntry& entry = manifest_.shards.at(static_cast<size_t>(index));
  return std::make_shared<ShardColumns>(
      readShard(fetch(index), manifest_, entry, storage_.urlOf(entry.file)));
}

}  // namespace cohort::data
