// HDF5 shard files: one chunked dataset per column, [samples, *shape] each.
// Both directions work on whole files in memory (HDF5's core driver and file
// images), so a shard goes between storage and tensors without temporary files.
// (libhdf5 on Debian is built thread-safe: prefetch threads may decode at once,
// though HDF5 serialises its calls internally.)
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cohort/data/manifest.h"
#include "cohort/storage/storage.h"

namespace cohort::data {

// The columns of one decoded shard. Rows are read in place from the file's
// bytes where the layout allows (uncompressed chunks of whole rows, or a
// contiguous dataset: what cohort-pack writes), else HDF5 copies them out.
struct ShardColumns {
  struct Rows {
    int64_t row_bytes = 0;
    int64_t rows_per_chunk = 1;
    std::vector<const char*> chunks;  // into `image`, each rows_per_chunk rows
    std::string copy;                 // all rows, when they could not be used in place
  };
  int64_t samples = 0;
  std::shared_ptr<const storage::Buffer> image;
  std::vector<Rows> columns;  // in manifest order

  // Row `row` of column `column`: that column's sampleBytes() bytes.
  const char* row(size_t column, int64_t row) const {
    const Rows& c = columns[column];
    if (c.chunks.empty()) return c.copy.data() + row * c.row_bytes;
    return c.chunks[static_cast<size_t>(row / c.rows_per_chunk)] +
           (row % c.rows_per_chunk) * c.row_bytes;
  }
};

// Decodes the HDF5 file `image` (shard `entry` of `manifest`). Checks
// that every column's dataset exists with the dtype and shape index.json
// gives, and that it holds entry.samples rows. `where` (the shard's URL) names
// it in every error; a truncated or damaged file is a DataError with HDF5's
// own message, never a crash.
ShardColumns readShard(std::shared_ptr<const storage::Buffer> image, const Manifest& manifest,
                       const ShardEntry& entry, const std::string& where);

// Encodes one shard: `columns[c]` holds samples rows of manifest column c.
// Returns the file's bytes.
std::string writeShard(const std::vector<Column>& columns, int64_t samples,
                       const std::vector<const char*>& data);

}  // namespace cohort::data
