// Packs one or more data sets (cohort-pack's train/ and test/), each checked
// before any is written.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cohort/storage/storage.h"
#include "pack/dataset_writer.h"
#include "pack/pack_options.h"

namespace cohort_pack {

struct PackJob {
  std::string location;  // as the user gave it
  std::vector<ColumnData> columns;
};

// Checks every job -- its columns, and its location: one holding a data set
// needs options.force, a local folder may hold nothing but a data set
// (checkLocalDestination) -- and then writes them all: a local folder into a
// hidden folder beside it, swapped in whole once every job is written (See
// Note [Whole replacement]); other storage in place (writeDataset). `say`
// gets a line per shard and per data set. Throws cohort::Error; a failure
// leaves every local destination as it was.
void packAll(const std::vector<PackJob>& jobs, const PackOptions& options,
             const cohort::storage::StorageOptions& storage_options,
             const std::function<void(const std::string& line)>& say);

}  // namespace cohort_pack
