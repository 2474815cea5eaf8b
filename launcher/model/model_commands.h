// The commands of cohort-model, each a thin layer over registry::Registry
// that prints a table (or, with json, one JSON document) and returns the
// exit status.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "cohort/registry/registry.h"
#include "cohort/registry/run_outputs.h"

namespace cohort::model {

// `register`: registry::registerRunOutputs, then what was registered.
int registerModel(registry::Registry& r, const registry::RunOutputs& run, bool json);
int list(registry::Registry& r, const std::string& name, bool json);
int show(registry::Registry& r, const std::string& ref, bool json);
int download(registry::Registry& r, const std::string& ref, const std::string& dir, bool json);
int alias(registry::Registry& r, const std::string& name, const std::string& alias, int64_t version,
          bool json);
int lineage(registry::Registry& r, const std::string& ref, bool json);
// 0: files and data sets as registered; 1: a file is damaged; 3: the files
// are sound but a data set changed or cannot be read.
int verify(registry::Registry& r, const std::string& ref, const storage::StorageOptions& options,
           bool json);

// `check`: the registry can be read and written (Registry::checkWritable).
int check(registry::Registry& r, bool json);
// `gc`: lists what registrations that never committed left (claims older
// than `grace_hours`), and removes it when `remove` is set.
int gc(registry::Registry& r, const std::string& name, double grace_hours, bool remove, bool json);

}  // namespace cohort::model
