// The hosts of a job and how many ranks each may take: from `--hosts`, from
// a hostfile in mpirun's format, or from the Slurm allocation (cohortrun's
// plan, and cohort-sweep packing trials into an allocation).
#pragma once

#include <string>
#include <vector>

#include "cohort/core/env.h"

namespace cohort::launcher {

struct HostSlots {
  std::string name;
  int slots = 0;  // 0: not given (any --procs-per-node fits)
};

// "--hosts h1:4,h2:4"; a name may be a Slurm host list ("node[01-04]:8"),
// and a host without ":N" has no slot count. Throws ConfigError.
std::vector<HostSlots> parseHostsOption(const std::string& text);

// mpirun's hostfile: one host per line, "NAME [slots=N] [max_slots=M]", with
// '#' comments and blank lines. `path` names the file in messages. Throws ConfigError.
std::vector<HostSlots> parseHostfile(const std::string& text, const std::string& path);

// The nodes of the Slurm allocation the environment describes, with their
// slots (tasks per node if the allocation asked for tasks, CPUs otherwise).
// Throws ConfigError when the allocation's variables disagree.
std::vector<HostSlots> allocationHosts(const EnvLookup& env);

}  // namespace cohort::launcher
