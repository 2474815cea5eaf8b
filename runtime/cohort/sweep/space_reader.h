// The `space:` section of a sweep file (internal to sweep_file.cc).
#pragma once

#include "cohort/sweep/space.h"
#include "cohort/sweep/yaml_reader.h"

namespace cohort::sweep {

// The parameters of the mapping `node` (at `key`), each checked: a known
// distribution, its keys and nothing else, finite numbers, low < high, a
// positive low for the log ones, q > 0, sigma > 0, choice values distinct.
SearchSpace readSpace(const YamlReader& yaml, const YAML::Node& node, const std::string& key);

}  // namespace cohort::sweep
