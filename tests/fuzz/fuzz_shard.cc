// A shard file (HDF5) through the shard reader, for a manifest of an image
// column (uint8, 4x4) and a label column (int64) of 9 samples, as
// tests/data/test_shard_file.cc writes them. The index's size and checksum
// are the input's, so the reader itself is reached.
#include <cstdint>
#include <cstdlib>
#include <string>

#include <cstring>
#include "fuzz_util.h"

#include "cohort/data/shard_file.h"
#include "cohort/storage/checksum.h"
#include "cohort/storage/storage.h"

using namespace cohort;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  data::Manifest manifest;
  manifest.columns = {{"image", data::DType::kUInt8, {4, 4}}, {"label", data::DType::kInt64, {}}};
  data::ShardEntry entry;
  entry.file = "shard-00000.h5";
  entry.samples = 9;
  entry.bytes = static_cast<int64_t>(size);
  entry.checksum = storage::checksumHex(storage::ChecksumKind::kXxh128, data, size);
  manifest.shards = {entry};
  manifest.samples = entry.samples;
  auto image = std::make_shared<storage::Buffer>(size);
  if (size > 0) std::memcpy(image->data(), data, size);
  fuzz::refusedOrRead([&] {
    const auto shard = data::readShard(image, manifest, entry, "shard-00000.h5");
    // Every row of every column is read: a row outside the file is a crash.
    volatile uint8_t sum = 0;
    for (size_t c = 0; c < manifest.columns.size(); ++c) {
      const int64_t row_bytes = c == 0 ? 16 : 8;
      for (int64_t r = 0; r < entry.samples; ++r) {
        const char* row = shard.row(c, r);
        for (int64_t b = 0; b < row_bytes; ++b) sum = sum + static_cast<uint8_t>(row[b]);
      }
    }
  });
  return 0;
}
