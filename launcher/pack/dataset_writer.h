// Writes a data set: HDF5 shards of a chosen size, then index.json last, so
// that a reader never finds an index naming shards that are not there yet.
#pragma once

#include <cstdint>
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

// Writes the shards and index.json into `storage`; refuses a location that
// already holds an index.json unless `replace`. `progress` gets one line per
// shard; each shard's checksum is of kind `checksum`.
cohort::data::Manifest writeDataset(
    cohort::storage::Storage& storage, const std::vector<ColumnData>& columns,
    int64_t rows_per_shard, bool replace, void (*progress)(const std::string& line),
    cohort::storage::ChecksumKind checksum = cohort::storage::ChecksumKind::kXxh128);

}  // namespace cohort_pack
