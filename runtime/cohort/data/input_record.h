// What a run read, for its lineage: each ShardedLoader of rank 0 notes its
// data set in LOGS/inputs/ID.json (cohortrun gathers these into run.json,
// and `cohort-model register` into the model's lineage):
//   {"location": "azure://acct/data/fmnist/train", "index_sha256": "...",
//    "dataset": "<the manifest's fingerprint>", "shards": 12, "samples": 60000,
//    "columns": ["image", "label"]}
// The location is written without a query string (no SAS ever). A note
// that cannot be written is a warning, not an error: training goes on.
#pragma once

#include <string>

#include "cohort/data/manifest.h"

namespace cohort::data {

void recordInput(const std::string& inputs_dir, const std::string& location,
                 const std::string& index_bytes, const Manifest& manifest);

}  // namespace cohort::data
