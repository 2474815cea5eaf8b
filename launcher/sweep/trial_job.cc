#include "sweep/trial_job.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "cohort/core/error.h"
#include "cohort/core/json.h"
#include "cohort/core/number.h"
#include "cohort/core/run_record.h"
#include "cohort/sweep/args_template.h"
#include "common/child_process.h"
#include "common/duration.h"
#include "common/posix_io.h"

namespace cohort::sweep_tool {
namespace {

// Field 22 of /proc/PID/stat: when the process started, in clock ticks
// since boot ("" when there is no such process).
std::string startTicks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');  // the command name may hold spaces and ')'
  if (close == std::string::npos) return "";
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && (fields >> field); ++i) {
  }
  return field;
}

std::string hostsOption(const std::vector<std::string>& hosts, int64_t procs) {
  std::string list;
  for (const auto& h : hosts) list += (list.empty() ? "" : ",") + h + ":" + std::to_string(procs);
  return list;
}

}  // namespace

TrialJob TrialJob::start(const LaunchContext& context, const sweep::TrialRecord& trial,
                         const std::vector<std::string>& hosts, bool resume) {
  const sweep::SweepSpec& spec = *context.spec;
  TrialJob job;
  job.folder_ = context.folder.trial(trial.id);
  launcher::makeDirectories(job.folder_.logs);
  launcher::makeDirectories(job.folder_.outputs);
  const std::string trial_id = std::to_string(trial.id);
  nlohmann::ordered_json record = {
      {"sweep",
       {{"id", context.sweep_id}, {"digest", context.digest}, {"dir", context.folder.dir()}}},
      {"trial", trial.id},
      {"parameters", trial.params},
      {"resumed", resume}};
  launcher::writeFileAtomically(job.folder_.record, record.dump(2) + "\n");

  // A run id per start, so a resumed trial's earlier run moves to LOGS/previous/.
  const std::string run_id = context.sweep_id + "-t" + trial_id + "-" +
                             std::to_string(static_cast<long long>(launcher::unixNow() * 1000));
  std::vector<std::string> argv = {context.cohortrun,
                                   "--outputs",
                                   job.folder_.outputs,
                                   "--logs",
                                   job.folder_.logs,
                                   "--run-id",
                                   run_id,
                                   "--procs-per-node",
                                   std::to_string(spec.trial.procsPerNode),
                                   "--grace-period",
                                   launcher::durationText(context.grace_s),
                                   "--env",
                                   "COHORT_SWEEP_ID=" + context.sweep_id,
                                   "--env",
                                   "COHORT_TRIAL_ID=" + trial_id};
  if (!hosts.empty()) {
    // Under Slurm, one srun step on these nodes of the allocation (See Note
    // [Trials as srun steps] in host_pool.cc); otherwise mpirun over them.
    if (spec.trial.engine == sweep::Engine::kSlurm) argv.insert(argv.end(), {"--engine", "srun"});
    argv.insert(argv.end(), {"--nodes", std::to_string(spec.trial.nodes), "--hosts",
                             hostsOption(hosts, spec.trial.procsPerNode)});
  }
  if (spec.limits.trialTimeoutS > 0)
    argv.insert(argv.end(), {"--timeout", launcher::durationText(spec.limits.trialTimeoutS)});
  argv.push_back("--");
  argv.push_back(spec.program);
  for (auto& a : sweep::expandArgs(spec.args, trial.params)) argv.push_back(std::move(a));

  UniqueFd console{openToWrite(job.folder_.console, O_WRONLY | O_CREAT | O_APPEND)};
  if (console.fd < 0) {
    throw ConfigError(openToWriteProblem(job.folder_.console, errno),
                      "check that the sweep folder is writable");
  }
  launcher::ChildSpec child;
  child.argv = argv;
  child.in = launcher::Stream::kNull;
  child.out = launcher::Stream::kFd;
  child.out_fd = console.fd;
  child.err = launcher::Stream::kLikeStdout;
  child.own_group = true;  // See Note [Reattaching trials]: it outlives a killed driver
  child.default_signals = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
  child.clear_signal_mask = true;
  child.exec_error_prefix = "cohort-sweep: ";
  child.exec_error_hint = " (is cohortrun installed beside cohort-sweep?)";
  job.child_ = std::make_unique<launcher::ChildProcess>(child);
  job.pid_ = job.child_->pid();
  job.start_ticks_ = startTicks(job.pid_);
  job.id_ = "local:" + std::to_string(job.pid_) + ":" + job.start_ticks_;
  return job;
}

std::optional<TrialJob> TrialJob::reattach(const std::string& job_id, const TrialFolder& folder) {
  // "local:PID:TICKS"
  const size_t colon = job_id.find(':', 6);
  if (job_id.rfind("local:", 0) != 0 || colon == std::string::npos) return std::nullopt;
  const auto pid = readWhole(job_id.substr(6, colon - 6), 1, INT32_MAX);
  const std::string ticks = job_id.substr(colon + 1);
  if (!pid || ticks.empty() || ticks.size() > 31) return std::nullopt;
  if (startTicks(static_cast<pid_t>(*pid)) != ticks) return std::nullopt;
  TrialJob job;
  job.id_ = job_id;
  job.folder_ = folder;
  job.pid_ = static_cast<pid_t>(*pid);
  job.start_ticks_ = ticks;
  return job;
}

TrialJob::TrialJob(TrialJob&&) noexcept = default;
TrialJob& TrialJob::operator=(TrialJob&&) noexcept = default;
TrialJob::~TrialJob() = default;

void TrialJob::stop() {
  stopped_ = true;
  if (!ended_) ::kill(pid_, SIGTERM);
}

bool TrialJob::ended() {
  if (ended_) return true;
  if (child_) {
    if (child_->poll()) {
      ended_ = true;
      const auto status = child_->status();
      child_status_ = status.signal != 0 ? 128 + status.signal : status.exit_code;
    }
  } else if (startTicks(pid_) != start_ticks_) {
    ended_ = true;  // not our child: gone (or another process has its pid now)
  }
  return ended_;
}

sweep::JobEnd TrialJob::end() const {
  sweep::JobEnd e = readJobEnd(folder_.logs);
  if (child_ && child_status_ >= 0) {
    e.exit_status = child_status_;  // cohortrun's own word counts over its record
    e.known = true;
    if (e.root_cause.empty() && child_status_ != 0) {
      // No rank to blame (cohortrun refused the job, say): its last words.
      std::string last;
      for (const auto& line : launcher::lastLines(folder_.console, 2)) last += " " + line;
      e.root_cause = "cohortrun exited with status " + std::to_string(child_status_) +
                     (last.empty() ? "" : ":" + last);
    }
  }
  return e;
}

namespace {

// The job's run.json; none while cohortrun has not written it, or when it
// cannot be read (the job's end is then not known).
std::optional<RunRecord> runRecord(const std::string& logs_dir) {
  try {
    return RunRecord::readFile(RunRecord::pathIn(logs_dir));
  } catch (const DataError&) {
    return std::nullopt;
  }
}

}  // namespace

std::vector<std::string> runHosts(const std::string& logs_dir) {
  std::vector<std::string> hosts;
  const auto run = runRecord(logs_dir);
  if (!run) return hosts;
  for (const auto& h : run->hosts) {
    if (!h.name.empty()) hosts.push_back(h.name);
  }
  return hosts;
}

sweep::JobEnd readJobEnd(const std::string& logs_dir) {
  sweep::JobEnd e;
  const auto run = runRecord(logs_dir);
  if (!run) return e;
  e.slurm_job_id = run->slurm_job_id;
  if (run->state == "running" || run->exit_status < 0) return e;
  e.known = true;
  e.exit_status = run->exit_status;
  if (!run->attempts.empty()) e.root_cause = run->attempts.back().root_cause;
  return e;
}

}  // namespace cohort::sweep_tool
