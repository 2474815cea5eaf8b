// Helpers shared by the data tests: a synthetic data set whose every value
// says which sample it belongs to, temporary folders, and reading a loader
// to the end of its epoch while checking each sample's content.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cohort/data/manifest.h"
#include "cohort/data/sharded_loader.h"
#include "cohort/storage/storage.h"

namespace cohort::test {

// A fresh folder under $TMPDIR (or /tmp), removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Packs a data set of `samples` samples, `per_shard` to a shard, into `storage`:
// column "x" float32 [3] = (id, 2 id, 3 id) and column "label" int64 = id,
// where id is the sample's index in file order.
data::Manifest packSynthetic(storage::Storage& storage, int64_t samples, int64_t per_shard);
data::Manifest packSynthetic(const std::string& location, int64_t samples, int64_t per_shard,
                             const storage::StorageOptions& options = {});

// Loader options for a synthetic data set (small prefetch, 1 thread each).
data::LoaderOptions syntheticOptions(const std::string& location, int64_t global_batch, int rank,
                                     int world);

// Reads `batches` batches (all that are left when negative) and returns the
// ids in order; fails the test (ADD_FAILURE) when a sample's values do not
// match its id.
std::vector<int64_t> drain(data::ShardedLoader& loader, int64_t batches = -1);

}  // namespace cohort::test
