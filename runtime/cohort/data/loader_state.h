// Where a ShardedLoader is in its data set, for exact resume. The position
// counts samples of the epoch's global sequence (see epoch_order.h) handed out
// to all ranks together, so it means the same on any world size.
#pragma once

#include <cstdint>
#include <string>

namespace cohort::data {

struct LoaderState {
  std::string dataset;  // the manifest's fingerprint (SHA-256 of index.json as cohort writes it)
  uint64_t seed = 0;
  bool shuffle = true;
  int window_shards = 1;
  int64_t epoch = 0;
  int64_t position = 0;  // samples of this epoch already handed out, over all ranks
  // The loader's samples [first_sample, end_sample) of the data set (both 0:
  // all of them; LoaderOptions::first_sample). A state of one range does not
  // resume a loader of another.
  int64_t first_sample = 0;
  int64_t end_sample = 0;

  // A small JSON document (store it in a checkpoint, a file, anywhere).
  std::string toJson() const;
  // Parses toJson()'s output; anything else is a DataError naming `source`.
  static LoaderState fromJson(const std::string& text, const std::string& source);

  bool operator==(const LoaderState& o) const {
    return dataset == o.dataset && seed == o.seed && shuffle == o.shuffle &&
           window_shards == o.window_shards && epoch == o.epoch && position == o.position &&
           first_sample == o.first_sample && end_sample == o.end_sample;
  }
};

}  // namespace cohort::data
