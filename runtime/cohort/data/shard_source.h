// Where a ShardedLoader's shards come from: the bounded local cache if it has
// a good copy, else the storage. Every shard's bytes are checked against its
// size and checksum in index.json before HDF5 sees them.
#pragma once

#include <memory>

#include "cohort/data/manifest.h"
#include "cohort/data/shard_cache.h"
#include "cohort/data/shard_file.h"
#include "cohort/storage/storage.h"

namespace cohort::data {

class ShardSource {
 public:
  ShardSource(storage::Storage& storage, ShardCache& cache, const Manifest& manifest)
      : storage_(storage), cache_(cache), manifest_(manifest) {}

  // Fetches, verifies and decodes shard `index` of the manifest. A missing,
  // short, corrupted or mismatched shard is a DataError naming its URL.
  std::shared_ptr<const ShardColumns> load(int index);

  // The verified bytes of shard `index` (from the cache or the storage).
  std::shared_ptr<storage::Buffer> fetch(int index);

 private:
  storage::Storage& storage_;
  ShardCache& cache_;
  const Manifest& manifest_;
};

}  // namespace cohort::data
