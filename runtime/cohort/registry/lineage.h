// The lineage record of a registered model (lineage.json, schema
// "cohort.lineage/1", documented in docs/registry.md), gathered from what a
// run left behind:
//   OUTPUTS/model/model.json     architecture, final metrics, data set digest, configuration
//   OUTPUTS/checkpoints/latest   the checkpoint the model came from
//   LOGS/run.json                cohortrun's record: run id, command, engine, hosts,
//                                world size, restarts, exit status, versions, the data
//                                sets read and the program's identity
//   LOGS/inputs/*.json           the data sets each ShardedLoader read (without cohortrun)
//   LOGS/metrics.jsonl           final and best metrics
//   LOGS/trial.json              the sweep and trial, when the run was a sweep trial
// Whatever is missing is left null, with a note saying so. No credential may
// end up in it: URL query strings are cut, and the credentials the registry
// holds (its StorageOptions: the secret settings, or the credentials file)
// are replaced by "<hidden>".
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "cohort/storage/storage.h"

namespace cohort::registry {

struct LineageSources {
  std::string outputs_dir;  // holds model/
  std::string logs_dir;     // "": none
  nlohmann::json code;      // the program's identity (path, sha256, git), if known
};

// The record, without its "model" part (the registry adds that, and takes the
// secrets out with withoutSecrets before it stores the record). `notes` gets
// one line for each source that was missing or unreadable.
nlohmann::json gatherLineage(const LineageSources& sources, std::vector<std::string>* notes);

// `value` with every credential in `credentials` and every URL query string
// taken out (applied to the whole record before it is stored).
nlohmann::json withoutSecrets(nlohmann::json value, const storage::StorageOptions& credentials);

}  // namespace cohort::registry
