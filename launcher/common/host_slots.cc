#include "common/host_slots.h"

#include <map>
#include <sstream>

#include "cohort/core/env.h"
#include "cohort/core/error.h"
#include "cohort/core/number.h"
#include "common/hostlist.h"
#include "common/tasks_per_node.h"

namespace cohort::launcher {

namespace {

int parseSlots(const std::string& text, const std::string& where) {
  auto n = parseInteger(text);
  if (!n || *n < 1 || *n > 100000) {
    throw ConfigError(where + ": slot count '" + text + "' is not a whole number from 1 to 100000",
                      "write the number of ranks the host may take, e.g. h1:4 or 'h1 slots=4'");
  }
  return static_cast<int>(*n);
}

// Each host once: a repeat is an error that names both places.
void addHost(HostSlots host, const std::string& where, std::vector<HostSlots>* hosts,
             std::map<std::string, std::string>* seen) {
  auto [it, inserted] = seen->emplace(host.name, where);
  if (!inserted) {
    throw ConfigError(
        "host '" + host.name + "' is listed twice (" + it->second + " and " + where + ")",
        "list each host once, with all its slots (e.g. " + host.name + ":8)");
  }
  hosts->push_back(std::move(host));
}

}  // namespace

std::vector<HostSlots> parseHostsOption(const std::string& text) {
  std::vector<HostSlots> hosts;
  std::map<std::string, std::string> seen;
  if (text.empty()) {
    throw ConfigError("--hosts is empty", "write --hosts h1:4,h2:4 (host:slots, comma separated)");
  }
  for (const std::string& entry : splitOutsideBrackets(text)) {
    std::string where = "--hosts entry '" + entry + "'";
    size_t colon = entry.rfind(':');
    std::string names = entry.substr(0, colon);
    int slots = colon == std::string::npos ? 0 : parseSlots(entry.substr(colon + 1), where);
    if (names.empty()) {
      throw ConfigError(where + " has no host name", "write --hosts h1:4,h2:4");
    }
    for (const std::string& name : expandHostlist(names))
      addHost({name, slots}, where, &hosts, &seen);
  }
  return hosts;
}

std::vector<HostSlots> parseHostfile(const std::string& text, const std::string& path) {
  std::vector<HostSlots> hosts;
  std::map<std::string, std::string> seen;
  std::istringstream lines(text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    std::string where = path + ":" + std::to_string(number);
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    std::string name, word;
    if (!(words >> name)) continue;
    if (name.find('=') != std::string::npos || name.find('[') != std::string::npos) {
      throw ConfigError(where + ": '" + name + "' is not a host name",
                        "each line is 'HOST [slots=N] [max_slots=M]', as mpirun's hostfiles are");
    }
    HostSlots host{name, 0};
    while (words >> word) {
      size_t eq = word.find('=');
      std::string key = word.substr(0, eq);
      if (eq == std::string::npos) {
        throw ConfigError(where + ": '" + word + "' is not KEY=VALUE",
                          "each line is 'HOST [slots=N] [max_slots=M]'");
      }
      if (key == "slots" || key == "count" || key == "cpu") {
        host.slots = parseSlots(word.substr(eq + 1), where);
      } else if (key == "max_slots" || key == "max-slots" || key == "slots_max") {
        parseSlots(word.substr(eq + 1), where);  // a cap cohortrun never exceeds: it uses slots
      } else {
        throw ConfigError(where + ": unknown key '" + key + "'",
                          "each line is 'HOST [slots=N] [max_slots=M]'");
      }
    }
    expandHostlist(name);  // the same character checks as --hosts
    addHost(host, where, &hosts, &seen);
  }
  if (hosts.empty()) {
    throw ConfigError("hostfile " + path + " lists no hosts",
                      "write one host per line, e.g. 'node01 slots=4'");
  }
  return hosts;
}

std::vector<HostSlots> allocationHosts(const EnvLookup& env) {
  auto nodelist = env("SLURM_JOB_NODELIST");
  if (!nodelist) nodelist = env("SLURM_NODELIST");
  if (!nodelist) {
    throw ConfigError("SLURM_JOB_ID is set but SLURM_JOB_NODELIST is not",
                      "run cohortrun inside salloc or an sbatch script, as Slurm sets both");
  }
  std::vector<std::string> names = expandHostlist(*nodelist);
  std::string variable =
      env("SLURM_TASKS_PER_NODE") ? "SLURM_TASKS_PER_NODE" : "SLURM_JOB_CPUS_PER_NODE";
  std::vector<int> slots;
  if (auto text = env(variable)) slots = expandTasksPerNode(*text, variable);
  if (!slots.empty() && slots.size() != names.size()) {
    throw ConfigError(variable + " lists " + std::to_string(slots.size()) +
                          " nodes but SLURM_JOB_NODELIST lists " + std::to_string(names.size()),
                      "run cohortrun inside an unmodified Slurm allocation");
  }
  std::vector<HostSlots> hosts;
  for (size_t i = 0; i < names.size(); ++i)
    hosts.push_back({names[i], slots.empty() ? 0 : slots[i]});
  return hosts;
}

}  // namespace cohort::launcher
