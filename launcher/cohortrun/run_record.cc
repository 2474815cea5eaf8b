#include "run_record.h"

#include <cstdio>

#include "cohort/core/json_writer.h"
#include "posix_io.h"
#include "preflight.h"

namespace cohort::launcher {

namespace {

void time(JsonWriter& w, const char* key, double unix_seconds) {
  w.key(key);
  if (unix_seconds > 0) w.value(isoTime(unix_seconds));
  else w.null();
}

// The first line `program --version` prints, or "".
std::string firstLineOf(const std::string& program) {
  std::string output;
  if (runCommand({program, "--version"}, &output, 10) != 0) return "";
  return output.substr(0, output.find('\n'));
}

}  // namespace

std::vector<std::pair<std::string, std::string>> collectVersions(const std::vector<std::string>& engines) {
  std::vector<std::pair<std::string, std::string>> v = {{"cohort", COHORT_VERSION},
                                                        {"libtorch", COHORT_TORCH_VERSION}};
  if (std::string(COHORT_CUDA_VERSION) != "") v.push_back({"cuda", COHORT_CUDA_VERSION});
  if (std::string(COHORT_NCCL_VERSION) != "") v.push_back({"nccl", COHORT_NCCL_VERSION});
  for (const auto& engine : engines) {
    std::string path = findInPath(engine);
    if (path.empty()) continue;
    std::string line = firstLineOf(path);
    if (!line.empty()) v.push_back({engine == "mpirun" ? "mpi" : engine == "srun" ? "slurm" : engine, line});
  }
  return v;
}

std::string runRecordJson(const RunRecord& r) {
  JsonWriter w;
  w.beginObject();
  w.key("run_id").value(r.run_id);
  w.key("state").value(r.state);
  w.key("exit_status");
  if (r.exit_status >= 0) w.value(r.exit_status);
  else w.null();
  w.key("command").value(r.command);
  w.key("program").value(r.program);
  w.key("work_dir").value(r.work_dir);
  w.key("outputs_dir").value(r.outputs_dir);
  w.key("engine").value(r.engine);
  w.key("engine_command").value(r.engine_command);
  if (!r.slurm_job_id.empty()) w.key("slurm_job_id").value(r.slurm_job_id);
  w.key("nodes").value(r.plan.nodes);
  w.key("procs_per_node").value(r.plan.procs_per_node);
  w.key("world_size").value(r.plan.world_size);
  w.key("hosts").beginArray();
  for (const auto& h : r.plan.hosts) {
    w.beginObject();
    w.key("name").value(h.name);
    w.key("first_rank").value(h.first_rank);
    w.key("ranks").value(h.ranks);
    w.endObject();
  }
  w.endArray();
  time(w, "start_time", r.start);
  time(w, "end_time", r.end);
  w.key("max_restarts").value(r.max_restarts);
  w.key("restarts").value(r.attempts.empty() ? 0 : static_cast<int>(r.attempts.size()) - 1);
  w.key("attempts").beginArray();
  for (const auto& a : r.attempts) {
    w.beginObject();
    w.key("restart").value(a.restart);
    time(w, "start_time", a.start);
    time(w, "end_time", a.end);
    w.key("exit_status").value(a.exit_status);
    if (!a.root_cause.empty()) {
      w.key("root_cause").value(a.root_cause);
      if (a.rank >= 0) w.key("rank").value(a.rank);
      if (!a.host.empty()) w.key("host").value(a.host);
    }
    w.key("logs").value(a.logs);
    w.endObject();
  }
  w.endArray();
  w.key("versions").beginObject();
  for (const auto& [name, version] : r.versions) w.key(name).value(version);
  w.endObject();
  w.endObject();
  return w.text();
}

}  // namespace cohort::launcher
