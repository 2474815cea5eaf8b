#include "cohortrun/run_record.h"

#include <cstdio>

#include "cohort/core/json.h"
#include "common/posix_io.h"
#include "common/program_path.h"

namespace cohort::launcher {

namespace {

// An ISO time, or null for one not reached yet.
OrderedJson time(double unix_seconds) {
  return unix_seconds > 0 ? OrderedJson(isoTime(unix_seconds)) : OrderedJson(nullptr);
}

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

std::string runRecordJson(const RunRecord& r) {
  OrderedJson doc;
  doc["run_id"] = r.run_id;
  doc["state"] = r.state;
  doc["exit_status"] = r.exit_status >= 0 ? OrderedJson(r.exit_status) : OrderedJson(nullptr);
  doc["command"] = r.command;
  doc["program"] = r.program;
  doc["work_dir"] = r.work_dir;
  doc["outputs_dir"] = r.outputs_dir;
  doc["engine"] = r.engine;
  doc["engine_command"] = r.engine_command;
  if (!r.slurm_job_id.empty()) doc["slurm_job_id"] = r.slurm_job_id;
  doc["nodes"] = r.plan.nodes;
  doc["procs_per_node"] = r.plan.procs_per_node;
  doc["world_size"] = r.plan.world_size;
  doc["hosts"] = OrderedJson::array();
  for (const auto& h : r.plan.hosts) {
    doc["hosts"].push_back({{"name", h.name}, {"first_rank", h.first_rank}, {"ranks", h.ranks}});
  }
  doc["start_time"] = time(r.start);
  doc["end_time"] = time(r.end);
  doc["max_restarts"] = r.max_restarts;
  doc["restarts"] = r.attempts.empty() ? 0 : static_cast<int>(r.attempts.size()) - 1;
  doc["attempts"] = OrderedJson::array();
  for (const auto& a : r.attempts) {
    OrderedJson attempt;
    attempt["restart"] = a.restart;
    attempt["start_time"] = time(a.start);
    attempt["end_time"] = time(a.end);
    attempt["exit_status"] = a.exit_status;
    if (!a.root_cause.empty()) {
      attempt["root_cause"] = a.root_cause;
      if (a.rank >= 0) attempt["rank"] = a.rank;
      if (!a.host.empty()) attempt["host"] = a.host;
    }
    attempt["logs"] = a.logs;
    doc["attempts"].push_back(attempt);
  }
  doc["versions"] = OrderedJson::object();
  for (const auto& [name, version] : r.versions) doc["versions"][name] = version;
  doc["code"] = OrderedJson::parse(r.code.dump());
  doc["inputs"] = OrderedJson::parse(r.inputs.dump());
  if (!r.registered.empty()) doc["registered"] = r.registered;
  return jsonText(doc, 2) + "\n";
}

}  // namespace cohort::launcher
