#include "pack/dataset_writer.h"

#include <algorithm>
#include <set>

#include "cohort/core/error.h"
#include "cohort/data/shard_file.h"
#include "cohort/storage/checksum.h"

namespace cohort_pack {

using cohort::data::Manifest;

namespace {

// Removes the shard files of `storage` that `manifest` does not name (an old
// set's, which had more shards).
void removeOtherShards(cohort::storage::Storage& storage, const Manifest& manifest) {
  std::set<std::string> named;
  for (const auto& shard : manifest.shards) named.insert(shard.file);
  for (const auto& object : storage.list()) {
    if (isShardName(object.name) && !named.count(object.name)) storage.remove(object.name);
  }
}

}  // namespace

bool isShardName(const std::string& name) {
  if (name.size() < 10 || name.compare(0, 6, "shard-") != 0) return false;
  if (name.compare(name.size() - 3, 3, ".h5") != 0) return false;
  return std::all_of(name.begin() + 6, name.end() - 3, [](char c) { return c >= '0' && c <= '9'; });
}

int64_t rowsPerShard(const std::vector<ColumnData>& columns, int64_t shard_bytes) {
  int64_t row_bytes = 0;
  for (const auto& c : columns) row_bytes += c.column.sampleBytes();
  return std::max<int64_t>(1, shard_bytes / std::max<int64_t>(1, row_bytes));
}

void checkColumns(const std::vector<ColumnData>& columns) {
  COHORT_CHECK(!columns.empty(), cohort::ConfigError, "nothing to pack",
               "name at least one column");
  const int64_t rows = columns[0].rows;
  for (const auto& c : columns) {
    if (c.rows != rows) {
      throw cohort::DataError("the column '" + c.column.name + "' has " + std::to_string(c.rows) +
                                  " rows but '" + columns[0].column.name + "' has " +
                                  std::to_string(rows),
                              "every column needs one row per sample");
    }
  }
}

Manifest writeDataset(cohort::storage::Storage& storage, const std::vector<ColumnData>& columns,
                      int64_t rows_per_shard, bool replace, const ShardProgress& progress,
                      cohort::storage::ChecksumKind checksum) {
  checkColumns(columns);
  COHORT_CHECK(rows_per_shard > 0, cohort::ConfigError, "nothing to pack",
               "give a positive number of samples per shard");
  const int64_t rows = columns[0].rows;
  if (storage.exists(Manifest::kFileName)) {
    if (!replace) {
      throw cohort::ConfigError(storage.location() + " already holds a data set (index.json)",
                                "pass --force to replace it, or choose another location");
    }
    storage.remove(Manifest::kFileName);  // the old set is gone before its shards are overwritten
  }

  Manifest manifest;
  for (const auto& c : columns) manifest.columns.push_back(c.column);
  const int64_t shards = (rows + rows_per_shard - 1) / rows_per_shard;
  const int digits = std::max(5, static_cast<int>(std::to_string(shards - 1).size()));
  for (int64_t first = 0, index = 0; first < rows; first += rows_per_shard, ++index) {
    const int64_t count = std::min(rows_per_shard, rows - first);
    std::vector<const char*> data;
    for (const auto& c : columns) data.push_back(c.bytes.data() + first * c.column.sampleBytes());
    const std::string image = cohort::data::writeShard(manifest.columns, count, data);
    std::string number = std::to_string(index);
    const std::string name = "shard-" +
                             std::string(digits - std::min<size_t>(digits, number.size()), '0') +
                             number + ".h5";
    storage.write(name, image);
    cohort::data::ShardEntry entry;
    entry.file = name;
    entry.samples = count;
    entry.bytes = static_cast<int64_t>(image.size());
    entry.checksum_kind = checksum;
    entry.checksum = cohort::storage::checksumHex(checksum, image.data(), image.size());
    manifest.shards.push_back(entry);
    manifest.samples += count;
    if (progress) progress(name, count, static_cast<int64_t>(image.size()));
  }
  manifest.validate("the packed data set");
  storage.write(Manifest::kFileName, manifest.serialize());
  if (replace) removeOtherShards(storage, manifest);
  return manifest;
}

}  // namespace cohort_pack
