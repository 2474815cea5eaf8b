// HDF5 shards: what writeShard encodes readShard decodes, and every way a
// shard can disagree with index.json or be damaged is a DataError naming the
// shard (built with AddressSanitizer, see test_parsers.cc).
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "cohort/core/error.h"
#include "cohort/data/shard_file.h"
#include "cohort/storage/checksum.h"
#include "cohort/storage/storage.h"

namespace cohort::data {
namespace {

struct Fixture {
  std::vector<Column> columns = {{"image", DType::kUInt8, {4, 4}}, {"label", DType::kInt64, {}}};
  std::vector<uint8_t> images;
  std::vector<int64_t> labels;
  int64_t samples = 9;
  Fixture() {
    for (int64_t i = 0; i < samples * 16; ++i) images.push_back(static_cast<uint8_t>(i * 7));
    for (int64_t i = 0; i < samples; ++i) labels.push_back(100 + i);
  }
  std::string write() const {
    return writeShard(columns, samples,
                      {reinterpret_cast<const char*>(images.data()),
                       reinterpret_cast<const char*>(labels.data())});
  }
  Manifest manifest(const std::string& image) const {
    Manifest m;
    m.columns = columns;
    ShardEntry entry;
    entry.file = "s.h5";
    entry.samples = samples;
    entry.bytes = static_cast<int64_t>(image.size());
    entry.checksum =
        storage::checksumHex(storage::ChecksumKind::kXxh128, image.data(), image.size());
    m.shards = {entry};
    m.samples = samples;
    return m;
  }
};

std::shared_ptr<storage::Buffer> bufferOf(const std::string& bytes) {
  auto buffer = std::make_shared<storage::Buffer>(bytes.size());
  std::memcpy(buffer->data(), bytes.data(), bytes.size());
  return buffer;
}

std::string readError(const std::string& image, const Manifest& m) {
  try {
    readShard(bufferOf(image), m, m.shards[0], "azure://acct/data/set/s.h5");
    return "";
  } catch (const DataError& e) {
    return e.what();
  }
}

TEST(ShardFile, RoundTripsReadingRowsInPlace) {
  Fixture f;
  const std::string image = f.write();
  const Manifest m = f.manifest(image);
  const auto buffer = bufferOf(image);
  const ShardColumns shard = readShard(buffer, m, m.shards[0], "s.h5");
  ASSERT_EQ(shard.columns.size(), 2u);
  for (int64_t r = 0; r < f.samples; ++r) {
    EXPECT_EQ(std::memcmp(shard.row(0, r), f.images.data() + r * 16, 16), 0) << r;
    EXPECT_EQ(std::memcmp(shard.row(1, r), &f.labels[r], 8), 0) << r;
    // cohort-pack's layout (unfiltered chunks of whole rows) is read in place.
    EXPECT_GE(shard.row(0, r), buffer->data());
    EXPECT_LT(shard.row(0, r), buffer->data() + buffer->size());
  }
  EXPECT_EQ(image.compare(0, 8, "\x89HDF\r\n\x1a\n"), 0);  // an HDF5 file signature
}

TEST(ShardFile, DisagreementsWithTheIndexNameTheShardAndColumn) {
  Fixture f;
  const std::string image = f.write();
  Manifest m = f.manifest(image);
  m.columns[0].dtype = DType::kFloat32;
  EXPECT_NE(readError(image, m).find("'image' holds uint8 but index.json says float32"),
            std::string::npos);
  m = f.manifest(image);
  m.columns[0].shape = {16};
  EXPECT_NE(readError(image, m).find("shape [9, 4, 4] but index.json says [9, 16]"),
            std::string::npos);
  m = f.manifest(image);
  m.shards[0].samples = 10;
  EXPECT_NE(readError(image, m).find("[9, 4, 4]"), std::string::npos);
  m = f.manifest(image);
  m.columns[1].name = "target";
  const std::string missing = readError(image, m);
  EXPECT_NE(missing.find("no dataset 'target'"), std::string::npos) << missing;
  EXPECT_NE(missing.find("azure://acct/data/set/s.h5"), std::string::npos) << missing;
  m = f.manifest(image);
  m.columns[1].dtype = DType::kInt32;
  EXPECT_NE(readError(image, m).find("holds int64 but index.json says int32"), std::string::npos);
}

TEST(ShardFile, TruncatedOrDamagedFilesAreErrorsNotCrashes) {
  Fixture f;
  const std::string image = f.write();
  const Manifest m = f.manifest(image);
  for (size_t cut : {size_t{0}, size_t{7}, size_t{100}, image.size() / 2, image.size() - 1}) {
    const std::string error = readError(image.substr(0, cut), m);
    EXPECT_NE(error.find("s.h5"), std::string::npos) << "cut at " << cut << ": " << error;
  }
  EXPECT_NE(readError(std::string(1000, 'x'), m).find("not a readable HDF5 file"),
            std::string::npos);
  std::mt19937 random(11);
  for (int i = 0; i < 200; ++i) {
    std::string damaged = image;
    for (int k = 0; k < 4; ++k) damaged[random() % damaged.size()] = static_cast<char>(random());
    readError(damaged, m);  // decodes or throws; ASan checks every access
  }
}

}  // namespace
}  // namespace cohort::data
