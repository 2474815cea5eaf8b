// HDF5 shard files: one chunked dataset per column, [samples, *shape] each.
// Both directions work on whole files in memory (HDF5's core driver and file
// images), so a shard goes between storage and tensors without temporary files.
// (libhdf5 on Debian is built thread-safe: prefetch threads may decode at once,
// though HDF5 serialises its calls internally.)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cohort/data/manifest.h"

namespace cohort::data {

// The decoded columns of one shard, in manifest column order; column c holds
// samples * columns[c].sampleBytes() bytes, row-major.
struct ShardColumns {
  int64_t samples = 0;
  std::vector<std::string> columns;
};

// Decodes the HDF5 file image `image` (shard `entry` of `manifest`). Checks
// that every column's dataset exists with the dtype and shape index.json
// gives, and that it holds entry.samples rows. `where` (the shard's URL) names
// it in every error; a truncated or damaged file is a DataError with HDF5's
// own message, never a crash.
ShardColumns readShard(std::string& image, const Manifest& manifest, const ShardEntry& entry,
                       const std::string& where);

// Encodes one shard: `columns[c]` holds samples rows of manifest column c.
// Returns the file's bytes.
std::string writeShard(const std::vector<Column>& columns, int64_t samples,
                       const std::vector<const char*>& data);

}  // namespace cohort::data
