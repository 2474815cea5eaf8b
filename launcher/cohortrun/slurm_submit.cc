#include "cohortrun/slurm_submit.h"

#include <sys/stat.h>
#include <unistd.h>

#include <iostream>

#include "cohort/core/error.h"
#include "cohortrun/engine_command.h"
#include "cohortrun/exit_status.h"
#include "cohortrun/log_folder.h"
#include "cohortrun/options.h"
#include "cohortrun/preflight.h"
#include "cohortrun/run_record.h"
#include "common/duration.h"
#include "common/posix_io.h"

namespace cohort::launcher {

std::string envFilePath(const Job& job) { return job.logs_dir + "/sbatch-" + job.run_id + ".env"; }

std::vector<std::string> innerCommand(const Job& job) {
  const Options& o = job.options;
  std::vector<std::string> a = {job.launcher,
                                "--nodes",
                                std::to_string(job.plan.nodes),
                                "--procs-per-node",
                                std::to_string(job.plan.procs_per_node),
                                "--run-id",
                                job.run_id,
                                "--outputs",
                                job.outputs_dir,
                                "--logs",
                                job.logs_dir,
                                "--max-restarts",
                                std::to_string(o.max_restarts),
                                "--console-ranks",
                                o.console_ranks.text(),
                                "--grace-period",
                                durationText(o.grace_s),
                                "--engine",
                                "srun"};
  if (o.timeout_s > 0) a.insert(a.end(), {"--timeout", durationText(o.timeout_s)});
  if (!o.env.empty()) a.insert(a.end(), {"--env-file", envFilePath(job)});
  for (const auto& e : o.engine_options) a.insert(a.end(), {"--engine-option", e});
  a.push_back("--");
  a.insert(a.end(), o.program.begin(), o.program.end());
  return a;
}

namespace {

// The values of --env for --env-file, readable by the owner alone. A value
// with a line break cannot be one line of that file: refused.
void writeEnvFile(const std::string& path, const EnvList& env) {
  std::string text;
  for (const auto& [name, value] : env) {
    if (value.find('\n') != std::string::npos) {
      throw ConfigError("--env " + name +
                            ": the value has a line break, which a batch job "
                            "cannot be given",
                        "give the value without line breaks (or pass it through a file the "
                        "program reads)");
    }
    text += name + "=" + value + "\n";
  }
  std::string problem;
  auto fill = [&text](int fd) { return ::fchmod(fd, 0600) == 0 && writeAll(fd, text); };
  if (!cohort::writeFileAtomically(path, fill, &problem)) {
    throw ConfigError(problem, "make room or fix the permissions of the logs folder (--logs)");
  }
}

}  // namespace

int submitToSlurm(const Job& job) {
  std::string script_path = job.logs_dir + "/sbatch-" + job.run_id + ".sh";
  char cwd[4096];
  std::string work_dir = getcwd(cwd, sizeof cwd) ? cwd : ".";
  const std::string env_file = job.options.env.empty() ? "" : envFilePath(job);
  std::string script =
      sbatchScript(job.plan, job.run_id, job.logs_dir, work_dir, job.options.timeout_s,
                   job.options.sbatch_options, innerCommand(job), env_file);
  if (job.options.dry_run) {
    std::cout << script;
    return exit_status::kSucceeded;
  }
  requireEngine("sbatch");
  makeDirectories(job.logs_dir);
  archivePreviousRun(job.logs_dir, job.run_id);
  if (!env_file.empty()) writeEnvFile(env_file, job.options.env);
  writeFileAtomically(script_path, script);
  std::string output;
  int status = runCommand({"sbatch", "--parsable", script_path}, &output, 60);
  while (!output.empty() && output.back() == '\n') output.pop_back();
  if (status != 0) {
    if (!env_file.empty()) ::unlink(env_file.c_str());
    throw ConfigError(
        "sbatch refused the job: " + output,
        "the script is " + script_path + "; fix the options it names and submit again");
  }
  std::string job_id = output.substr(0, output.find(';'));
  RunRecord record;
  record.run_id = job.run_id;
  record.command = withoutEnvValues(job.argv);
  record.program = job.options.program;
  record.engine = "sbatch";
  record.engine_command = {"sbatch", script_path};
  record.work_dir = work_dir;
  record.outputs_dir = job.outputs_dir;
  recordPlan(job.plan, &record);
  record.slurm_job_id = job_id;
  record.max_restarts = job.options.max_restarts;
  record.start = unixNow();
  record.state = "submitted";
  record.versions = collectVersions({"srun"});
  record.writeFile(RunRecord::pathIn(job.logs_dir));
  std::cout << "cohortrun: submitted Slurm job " << job_id << " (run " << job.run_id << ", "
            << job.plan.world_size << " ranks); logs will be in " << job.logs_dir << std::endl;
  return exit_status::kSucceeded;
}

}  // namespace cohort::launcher
