// A trial's command line from the sweep file's template: every `${name}` in
// an argument is replaced by the trial's value of parameter `name`, and `$$`
// is a literal `$`. Any other `$` is kept as written.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cohort/sweep/space.h"

namespace cohort::sweep {

struct Placeholders {
  std::vector<std::string> names;  // in the order they appear
  std::string error;               // why the argument is malformed ("" when it is not)
};

// The placeholders of one argument.
Placeholders scanPlaceholders(const std::string& arg);

// `value` as it appears on a command line: text as is, whole numbers as
// digits, other numbers in the shortest form that reads back the same
// (0.001, 1e-05), true/false.
std::string argText(const nlohmann::json& value);

// The arguments with every placeholder replaced from `params`. Throws
// ConfigError for a name `params` lacks (the sweep file's check makes that
// impossible for a trial of that sweep).
std::vector<std::string> expandArgs(const std::vector<std::string>& args, const Params& params);

}  // namespace cohort::sweep
