// Writes a data set: HDF5 shards of a chosen size, then index.json last, so
// that a reader never finds an index naming shards that are not there yet.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cohort/data/manifest.h"
#include "cohort/storage/storage.h"

namespace cohort_pack {

// One column of the data set, all rows in memory (row-major).
struct ColumnData {
  cohort::data::Column column;
  std::string bytes;
  int64_t rows = 0;
};

// Rows per shard so that a shard holds about `shard_bytes` of sample data.
int64_t rowsPerShard(const std::vector<ColumnData>& columns, int64_t shard_bytes);

// Whether `name` is a shard's name as writeDataset gives them (shard-NNNNN.h5).
bool isShardName(const std::string& name);

// Throws unless the columns make a data set: at least one, each with one row
// per sample.
void checkColumns(const std::vector<ColumnData>& columns);

// What writeDataset says after each shard: its name, samples and bytes.
using ShardProgress = std::function<void(const std::string& shard, int64_t samples, int64_t bytes)>;

// Writes the shards and index.json into `storage`, in place; refuses a
// location that already holds an index.json unless `replace`. Replacing, the
// old index.json is removed first (no reader pairs it with the new shards)
// and the old set's shards the new one does not name are removed last.
// (cohort-pack replaces a local folder whole instead, See Note [Whole
// replacement].) `progress` (if set) is told of each shard; each shard's
// checksum is of kind `checksum`.
cohort::data::Manifest writeDataset(
    cohort::storage::Storage& storage, const std::vector<ColumnData>& columns,
    int64_t rows_per_shard, bool replace, const ShardProgress& progress,
    cohort::storage::ChecksumKind checksum = cohort::storage::ChecksumKind::kXxh128);

}  // namespace cohort_pack
