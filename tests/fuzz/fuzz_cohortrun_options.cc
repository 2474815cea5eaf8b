// cohortrun's command line (every option, numbers included, split at NUL
// bytes into arguments), planned into a job as cohortrun plans it; and the
// rank agent's command line.
#include <cstdint>
#include <cstdlib>
#include <string>

#include <vector>
#include "fuzz_util.h"

#include "cohort/core/env.h"
#include "cohortrun/job_plan.h"
#include "cohortrun/options.h"
#include "cohortrun/rank_agent.h"
#include "common/host_slots.h"

using namespace cohort;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> args(1);
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      args.emplace_back();
    } else {
      args.back() += static_cast<char>(data[i]);
    }
  }
  fuzz::refusedOrRead([&] {
    const auto options = launcher::parseOptions(args);
    std::vector<launcher::HostSlots> hosts;
    if (!options.hosts.empty()) hosts = launcher::parseHostsOption(options.hosts);
    launcher::planJob(options, hosts, mapEnv({}), "thishost", 2);
  });
  fuzz::refusedOrRead([&] { launcher::parseAgentOptions(args); });
  return 0;
}
