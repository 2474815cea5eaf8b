// Host lists and counts from Slurm and the command line: SLURM_JOB_NODELIST,
// SLURM_TASKS_PER_NODE, --hosts and a hostfile, each given the whole input.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/host_slots.h"
#include "common/hostlist.h"
#include "common/tasks_per_node.h"
#include "fuzz_util.h"

using namespace cohort;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  fuzz::refusedOrRead([&] {
    if (launcher::expandHostlist(text).size() > launcher::kMaxHosts) std::abort();
  });
  fuzz::refusedOrRead([&] { launcher::splitOutsideBrackets(text); });
  fuzz::refusedOrRead([&] { launcher::expandTasksPerNode(text, "SLURM_TASKS_PER_NODE"); });
  fuzz::refusedOrRead([&] { launcher::parseHostsOption(text); });
  fuzz::refusedOrRead([&] { launcher::parseHostfile(text, "hostfile"); });
  return 0;
}
