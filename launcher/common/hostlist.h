// Slurm's compressed host lists, as in SLURM_JOB_NODELIST and scontrol:
//   "node[01-04,07],gpu-[1-2]"  ->  node01 node02 node03 node04 node07 gpu-1 gpu-2
// A name may hold several bracket groups, which multiply out left to right
// ("rack[1-2]-n[1-2]" -> rack1-n1 rack1-n2 rack2-n1 rack2-n2). A range keeps
// the zero padding of its lower bound ("[08-10]" -> 08 09 10).
#pragma once

#include <string>
#include <vector>

namespace cohort::launcher {

// Expands `text`, keeping its order and any repeats. Throws ConfigError that
// names the malformed part (unbalanced or nested brackets, an empty name, a
// range that runs backwards, more than kMaxHosts names).
std::vector<std::string> expandHostlist(const std::string& text);

// Splits `text` at the commas that are not inside brackets:
// "a[1,2],b" -> "a[1,2]" "b". Throws ConfigError on unbalanced brackets.
std::vector<std::string> splitOutsideBrackets(const std::string& text);

constexpr size_t kMaxHosts = 100000;

}  // namespace cohort::launcher
