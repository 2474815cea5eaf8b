#include "cohort/data/shard_source.h"

#include "cohort/core/error.h"
#include "cohort/core/log.h"
#include "cohort/data/checksum.h"

namespace cohort::data {

std::string ShardSource::fetch(int index) {
  const ShardEntry& entry = manifest_.shards.at(static_cast<size_t>(index));
  const std::string url = storage_.urlOf(entry.file);
  std::string bytes;
  if (cache_.get(entry.sha256, &bytes)) {
    if (sha256Hex(bytes) == entry.sha256) return bytes;
    log::warn("the cached copy of " + url + " in " + cache_.folder() + " is damaged; reading it again");
    cache_.drop(entry.sha256);
  }
  const int64_t size = storage_.size(entry.file);
  if (size != entry.bytes) {
    throw DataError("the shard " + url + " is " + std::to_string(size) + " bytes but index.json says " +
                        std::to_string(entry.bytes),
                    "the shard was truncated or replaced: repack the data set with cohort-pack");
  }
  bytes.assign(static_cast<size_t>(entry.bytes), '\0');
  storage_.read(entry.file, 0, entry.bytes, bytes.data());
  const std::string sum = sha256Hex(bytes);
  if (sum != entry.sha256) {
    throw DataError("the shard " + url + " is corrupted: its SHA-256 is " + sum + " but index.json says " +
                        entry.sha256,
                    "restore the shard from a good copy, or repack the data set with cohort-pack");
  }
  cache_.put(entry.sha256, bytes);
  return bytes;
}

std::shared_ptr<const ShardColumns> ShardSource::load(int index) {
  const ShardEntry& entry = manifest_.shards.at(static_cast<size_t>(index));
  std::string bytes = fetch(index);
  return std::make_shared<ShardColumns>(readShard(bytes, manifest_, entry, storage_.urlOf(entry.file)));
}

}  // namespace cohort::data
