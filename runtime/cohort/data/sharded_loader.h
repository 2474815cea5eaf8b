// ShardedLoader: this rank's batches of a sharded data set, as libtorch tensors.
//
// Semantics (see README, "Sharded data"):
//  - The epoch's sample sequence depends on (seed, epoch) and the data set only
//    (EpochOrder): shards shuffled, then samples shuffled within windows of
//    window_shards shards, so a rank reads a few shards at a time.
//  - The sequence is consumed in global batches of global_batch samples; rank r
//    of W takes the slice [r*G/W, (r+1)*G/W) of each. Every rank gets the same
//    number of equal batches, so none waits on another for data.
//  - Remainder: the last R < G samples of an epoch do not fill a global batch.
//    With drop_last (the default) they are skipped this epoch; without it each
//    rank gets a last, smaller batch of floor(R/W) samples and the R mod W
//    samples left (fewer than W) are skipped. Since the order changes every
//    epoch, different samples are skipped each time.
//  - state() is the position in that global sequence after the batches handed
//    out; restore() continues from it on any world size, so resuming skips and
//    repeats nothing (all ranks must restore the same state).
//  - Shards are fetched by background threads ahead of use, within a memory
//    bound, verified against their SHA-256, and decoded by HDF5 from memory
//    (optionally through a bounded local cache folder).
#pragma once

#include <ATen/core/Tensor.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cohort/core/settings.h"
#include "cohort/data/loader_state.h"
#include "cohort/data/manifest.h"
#include "cohort/storage/storage.h"

namespace cohort::data {

struct LoaderOptions {
  std::string location;       // the data set (see storage_url.h)
  int64_t global_batch = 64;  // samples per step over all ranks; a multiple of world
  uint64_t seed = 0;
  bool shuffle = true;
  int window_shards = 4;  // shards whose samples are shuffled together
  bool drop_last = true;
  // An epoch is the first epoch_samples samples of its order (0: all of them),
  // for short runs on part of a data set; the order itself does not change.
  int64_t epoch_samples = 0;
  // Only samples [first_sample, end_sample) of the data set's file order: a
  // fixed split of one data set (the last 5,000 training images held out
  // for validation: {-5000, 0} and {0, -5000}). Negative values count from
  // the end; end_sample 0 is the end. The epoch order is over these samples
  // alone (as over a data set that held only them), and a batch's ids stay
  // the data set's file-order indices.
  int64_t first_sample = 0;
  int64_t end_sample = 0;
  int rank = 0;
  int world = 1;
  storage::StorageOptions storage;
  std::string cache_dir;  // empty: no disk cache
  int64_t cache_bytes = int64_t{4} << 30;
  int64_t prefetch_bytes = int64_t{1} << 30;
  int threads = 4;  // reader threads (mostly waiting on I/O)
  // Rank 0 notes the data set here for the run's lineage (input_record.h);
  // fromSettings sets COHORT_LOGS_DIR/inputs, "" notes nothing.
  std::string inputs_dir;

  // Storage, cache and prefetch options from the COHORT_* settings.
  static LoaderOptions fromSettings(const Settings& settings, std::string location, int rank,
                                    int world);
};

struct Batch {
  std::vector<at::Tensor> columns;  // in index.json's column order, [n, *shape] each
  at::Tensor ids;                   // int64 [n]: each sample's index in the data set's file order
  std::vector<std::string> names;

  int64_t size() const { return ids.size(0); }
  const at::Tensor& operator[](const std::string& name) const;
};

class ShardedLoader {
 public:
  // Opens the data set and reads its index.json (errors name the location).
  explicit ShardedLoader(LoaderOptions options);
  ~ShardedLoader();
  ShardedLoader(const ShardedLoader&) = delete;
  ShardedLoader& operator=(const ShardedLoader&) = delete;

  const Manifest& manifest() const;
  const LoaderOptions& options() const { return options_; }

  // Starts `epoch` from its first sample (epoch 0 is started on first use).
  // Right after restore() it continues the restored epoch instead (so the
  // loop `for (e = loader.epoch(); ...) { loader.setEpoch(e); ... }` is right
  // whether or not a checkpoint was resumed), and refuses any other epoch
  // while samples of the restored one are left: that would skip or repeat them.
  void setEpoch(int64_t epoch);
  int64_t epoch() const;
  // This rank's next batch, or nothing at the end of the epoch.
  std::optional<Batch> next();
  // Batches this rank gets from the current position to the end of the epoch,
  // and in a whole epoch.
  int64_t batchesLeft() const;
  int64_t batchesPerEpoch() const;
  // Samples in an epoch: the data set's, or epoch_samples when fewer.
  int64_t epochSize() const;

  LoaderState state() const;
  // Continues from `state` (taken on any world size). Throws ConfigError when it
  // belongs to another data set.
  void restore(const LoaderState& state);

  // Seconds next() has waited for shards to arrive, summed.
  double waitSeconds() const;

 private:
  struct Impl;
  // Builds the epoch's order and plans the shards this rank needs from the
  // current position on, window by window, in order of use.
  void begin();

  LoaderOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cohort::data
