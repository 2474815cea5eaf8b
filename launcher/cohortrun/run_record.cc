#include "cohortrun/run_record.h"

#include <cstdio>

#include "common/posix_io.h"
#include "common/program_path.h"

namespace cohort::launcher {

namespace {

// The first line `program --version` prints, or "".
std::string firstLineOf(const std::string& program) {
  std::string output;
  if (runCommand({program, "--version"}, &output, 10) != 0) return "";
  return output.substr(0, output.find('\n'));
}

}  // namespace

std::vector<std::pair<std::string, std::string>> collectVersions(
    const std::vector<std::string>& engines) {
  std::vector<std::pair<std::string, std::string>> v = {{"cohort", COHORT_VERSION},
                                                        {"libtorch", COHORT_TORCH_VERSION}};
  if (std::string(COHORT_CUDA_VERSION) != "") v.push_back({"cuda", COHORT_CUDA_VERSION});
  if (std::string(COHORT_NCCL_VERSION) != "") v.push_back({"nccl", COHORT_NCCL_VERSION});
  for (const auto& engine : engines) {
    std::string path = findInPath(engine);
    if (path.empty()) continue;
    std::string line = firstLineOf(path);
    if (!line.empty())
      v.push_back({engine == "mpirun" ? "mpi" : engine == "srun" ? "slurm" : engine, line});
  }
  return v;
}

void recordPlan(const JobPlan& plan, RunRecord* record) {
  record->slurm_job_id = plan.slurm_job_id;
  record->nodes = plan.nodes;
  record->procs_per_node = plan.procs_per_node;
  record->world_size = plan.world_size;
  record->hosts.clear();
  for (const auto& h : plan.hosts) record->hosts.push_back({h.name, h.first_rank, h.ranks});
}

}  // namespace cohort::launcher
