#include "cohortrun/job_runner.h"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <ctime>
#include <deque>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <set>

#include "cohort/core/error.h"
#include "cohortrun/code_identity.h"
#include "cohortrun/engine_command.h"
#include "cohortrun/exit_status.h"
#include "cohortrun/failure_report.h"
#include "cohortrun/job.h"
#include "cohortrun/job_plan.h"
#include "cohortrun/log_folder.h"
#include "cohortrun/model_registration.h"
#include "cohortrun/network_choice.h"
#include "cohortrun/options.h"
#include "cohortrun/preflight.h"
#include "cohortrun/rank_agent.h"
#include "cohortrun/rank_records.h"
#include "cohortrun/rendezvous.h"
#include "cohortrun/root_cause.h"
#include "cohortrun/run_record.h"
#include "cohortrun/shell_quote.h"
#include "cohortrun/slurm_control.h"
#include "cohortrun/slurm_submit.h"
#include "cohortrun/supervisor.h"
#include "cohortrun/upload_sidecar.h"
#include "common/host_slots.h"
#include "common/posix_io.h"
#include "common/program_path.h"
#include "common/run_tool.h"
#include "common/signal_pipe.h"

namespace cohort::launcher {

namespace {

// ssh's connect timeout when checking hosts: before the start and before a
// restart, and after a failure that no rank recorded (to find a lost host).
constexpr int kProbeTimeoutS = 3;
constexpr int kLostHostProbeTimeoutS = 2;

void say(const std::string& text) { std::cerr << "cohortrun: " << text << std::endl; }

std::string makeRunId() {
  time_t now = ::time(nullptr);
  tm local{};
  localtime_r(&now, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &local);
  std::random_device random;
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%04x", random() & 0xFFFF);
  return std::string(stamp) + "-" + suffix;
}

std::vector<std::string> hostNames(const JobPlan& plan) {
  std::vector<std::string> names;
  for (const auto& h : plan.hosts) names.push_back(h.name);
  return names;
}

void requireReachable(const std::vector<std::string>& hosts) {
  auto problems = unreachableHosts(hosts, kProbeTimeoutS);
  if (problems.empty()) return;
  std::string what;
  for (const auto& p : problems) what += "\n  " + p.host + ": " + p.why;
  throw ConfigError("host(s) cannot be reached over ssh:" + what,
                    "check that the hosts are up and that ssh to them works without a password "
                    "(ssh -o BatchMode=yes HOST true), or leave them out of --hosts");
}

EngineCommand buildCommand(const Job& job, int restart) {
  const Rendezvous rendezvous = chooseRendezvous(job.plan);
  RankContract contract{job.run_id,      restart,         job.outputs_dir, job.logs_dir,
                        job.options.env, rendezvous.addr, rendezvous.port};
  AgentCall agent;
  agent.launcher = job.launcher;
  agent.logs_dir = job.logs_dir;
  agent.run_id = job.run_id;
  agent.restart_count = restart;
  agent.console_ranks = job.options.console_ranks;
  agent.grace_s = job.options.grace_s;
  agent.program = job.options.program;
  if (job.plan.engine == Engine::kSrun)
    return srunCommand(job.plan, contract, agent, job.options.engine_options);
  if (job.plan.engine == Engine::kDirect) return directCommand(contract, agent);
  MpirunSettings settings{geteuid() == 0, job.network, job.options.engine_options};
  return mpirunCommand(job.plan, contract, agent, settings);
}

// The engine command as a shell line, for launcher.log and --dry-run. The
// values of the user's --env variables are left out: they may be secrets.
std::string describeCommand(const EngineCommand& command) {
  static const std::set<std::string> kContract = {"COHORT_RUN_ID",      "COHORT_RESTART_COUNT",
                                                  "COHORT_OUTPUTS_DIR", "COHORT_LOGS_DIR",
                                                  "MASTER_ADDR",        "MASTER_PORT"};
  std::string text;
  for (const auto& [name, value] : command.env) {
    text +=
        name + "=" + (kContract.count(name) ? shellQuote(value) : std::string("<hidden>")) + " ";
  }
  return text + shellJoin(command.argv);
}

class Attempts {
 public:
  explicit Attempts(const Job& job) : job_(job) {}

  int run() {
    const Options& o = job_.options;
    // A refused --outputs leaves no new logs folder behind.
    const std::vector<std::string> created = makeDirectories(job_.logs_dir);
    try {
      makeDirectories(job_.outputs_dir);
    } catch (const Error&) {
      removeFolders(created);
      throw;
    }
    std::string moved = archivePreviousRun(job_.logs_dir, job_.run_id);
    if (!moved.empty())
      say("moved the files of an earlier run in " + job_.logs_dir + " to " + moved);
    launcher_log_.open(job_.logs_dir + "/launcher.log", std::ios::app);
    SignalPipe signals({SIGCHLD, SIGINT, SIGTERM, SIGHUP});

    record_.run_id = job_.run_id;
    record_.command = withoutEnvValues(job_.argv);
    record_.program = o.program;
    record_.engine = engineName(job_.plan.engine);
    char cwd[4096];
    record_.work_dir = getcwd(cwd, sizeof cwd) ? cwd : "";
    record_.outputs_dir = job_.outputs_dir;
    recordPlan(job_.plan, &record_);
    record_.max_restarts = o.max_restarts;
    record_.start = unixNow();
    std::unique_ptr<UploadSidecar> upload;
    if (!o.upload_url.empty()) {
      upload = std::make_unique<UploadSidecar>(
          job_.upload_program, o.upload_url, o.upload_interval_s, job_.logs_dir, job_.outputs_dir);
    }
    record_.versions = collectVersions({job_.plan.engine == Engine::kSrun ? "srun" : "mpirun"});
    record_.code = codeIdentity(o.program[0], record_.work_dir);
    double deadline = o.timeout_s > 0 ? record_.start + o.timeout_s : 0;

    int status = exit_status::kEngineFailed;
    for (int restart = 0; restart <= o.max_restarts; ++restart) {
      if (restart > 0) {
        if (!archiveForRestart(restart - 1)) break;
        if (!checkHostsForRestart(&status)) break;
        say("starting again (restart " + std::to_string(restart) + " of " +
            std::to_string(o.max_restarts) + ")");
      }
      for (int s : signals.take()) {
        if (s != SIGCHLD) interrupted_ = s;
      }
      if (interrupted_) {
        status = exit_status::kInterruptedBase + interrupted_;
        break;
      }
      status = attempt(restart, deadline, signals);
      if (status == exit_status::kSucceeded || status == exit_status::kTimedOut ||
          status >= exit_status::kInterruptedBase) {
        break;
      }
    }
    record_.end = unixNow();
    record_.exit_status = status;
    record_.state = status == exit_status::kSucceeded ? "succeeded" : "failed";
    saveRecord();
    if (status == exit_status::kSucceeded && !job_.options.register_name.empty())
      status = registerOutputs(status);
    if (upload) status = finishUpload(*upload, status);
    if (!logs_problem_.empty()) return reportUnwrittenLogs(status);
    if (status == exit_status::kSucceeded) {
      say("run " + job_.run_id + " succeeded; logs in " + job_.logs_dir);
    }
    return status;
  }

 private:
  // The job ran, but run.json could not be written (a full disk): say how
  // the job ended and that its logs are incomplete. A failed job keeps its
  // status; one that succeeded ends with kLogsNotWritten.
  int reportUnwrittenLogs(int status) {
    say(std::string("run ") + job_.run_id +
        (status == exit_status::kSucceeded ? " succeeded"
                                           : " ended with exit status " + std::to_string(status)) +
        ", but its logs could not be written: " + logs_problem_ + "; " + job_.logs_dir +
        "/run.json is missing or out of date (free space in " + job_.logs_dir +
        ", or choose another folder with --logs)");
    return status == exit_status::kSucceeded ? exit_status::kLogsNotWritten : status;
  }

  // The last copy of the logs (run.json included) and outputs. A failure does
  // not change a failed job's status; a job that succeeded ends with
  // kUploadFailed, its files still in the local folders.
  int finishUpload(UploadSidecar& upload, int status) {
    say("uploading " + job_.logs_dir + " and " + job_.outputs_dir + " to " +
        job_.options.upload_url);
    const int upload_status = upload.finish();
    if (upload_status == 0) {
      say("upload finished: " + job_.options.upload_url + "/logs and /outputs");
      return status;
    }
    std::string last;
    for (const auto& line : lastLines(job_.logs_dir + "/upload.log", 3)) last += "\n  " + line;
    say("the upload to " + job_.options.upload_url + " failed (exit status " +
        std::to_string(upload_status) + "); the files are still in " + job_.logs_dir + " and " +
        job_.outputs_dir + "; see " + job_.logs_dir + "/upload.log:" + last);
    return status == exit_status::kSucceeded ? exit_status::kUploadFailed : status;
  }

  // Writes run.json. Once the job has started, a logs folder that cannot be
  // written (a full disk) no longer ends the run: the job goes on, and the
  // run ends saying so (reportUnwrittenLogs).
  void saveRecord() {
    record_.inputs = readInputs(job_.logs_dir);
    try {
      record_.writeFile(RunRecord::pathIn(job_.logs_dir));
    } catch (const Error& e) {
      if (!job_started_) throw;  // nothing ran yet: refuse to start
      if (logs_problem_.empty()) say("warning: " + std::string(e.detail()));
      logs_problem_ = e.detail();
    }
  }

  // --register, after a job that succeeded: its status becomes kRegisterFailed
  // when the registration fails (the model, if any, is still in the outputs folder).
  int registerOutputs(int status) {
    say("registering " + job_.outputs_dir + "/model as " + job_.options.register_name);
    std::string output;
    const int rc =
        registerModel(job_.model_program, job_.options.registry, job_.options.register_name,
                      job_.outputs_dir, job_.logs_dir, job_.run_id, &output);
    logLine("cohortrun: cohort-model register: " + output);
    if (rc == 0) {
      const auto at = output.find("registered ");
      record_.registered = at == std::string::npos
                               ? job_.options.register_name
                               : output.substr(at + 11, output.find(' ', at + 11) - at - 11);
      say("registered " + record_.registered);
      saveRecord();
      return status;
    }
    say(registrationFailure(job_.outputs_dir, rc, output));
    return exit_status::kRegisterFailed;
  }

  void logLine(const std::string& line) { launcher_log_ << line << '\n' << std::flush; }

  // Moves attempt `restart`'s files aside for the next. When they cannot be
  // moved (a full disk) there is no restart: the failed attempt's status stands.
  bool archiveForRestart(int restart) {
    try {
      record_.attempts.back().logs = archiveAttempt(job_.logs_dir, restart);
      return true;
    } catch (const Error& e) {
      logs_problem_ = e.detail();
      say("not restarting: " + logs_problem_);
      return false;
    }
  }

  // Before a restart every host must answer again; a lost one ends the run.
  bool checkHostsForRestart(int* status) {
    if (job_.plan.engine != Engine::kMpirunHosts || job_.plan.hosts_from_slurm) return true;
    auto problems = unreachableHosts(hostNames(job_.plan), kProbeTimeoutS);
    if (problems.empty()) return true;
    for (const auto& p : problems)
      say("not restarting: host " + p.host + " cannot be reached: " + p.why);
    *status = exit_status::kHostLost;
    return false;
  }

  int attempt(int restart, double deadline, SignalPipe& signals) {
    EngineCommand command = buildCommand(job_, restart);
    record_.engine_command = command.argv;
    RunAttempt attempt;
    attempt.restart = restart;
    attempt.start = unixNow();
    attempt.logs = job_.logs_dir;
    record_.attempts.push_back(attempt);
    saveRecord();
    job_started_ = true;
    std::string where = job_.plan.hosts.size() == 1
                            ? "on " + job_.plan.hosts[0].name
                            : "on " + std::to_string(job_.plan.hosts.size()) + " hosts";
    say("run " + job_.run_id + ": " + std::to_string(job_.plan.world_size) + " rank(s) " + where +
        " with " + engineName(job_.plan.engine) + "; logs in " + job_.logs_dir);
    logLine("cohortrun: attempt " + std::to_string(restart) + ": " + describeCommand(command));

    std::deque<std::string> engine_lines;
    SuperviseRequest request;
    request.command = command;
    request.engine_name = engineName(job_.plan.engine);
    request.deadline = deadline;
    request.grace_s = job_.options.grace_s;
    request.abort_signals = {SIGTERM};
    if (job_.plan.engine == Engine::kSrun) {
      std::string job_id = job_.plan.slurm_job_id, name = command.slurm_step_name;
      request.stop = [job_id, name](int engine) {
        std::string step = findSlurmStep(job_id, name);
        if (step.empty() || !signalSlurmStep(step, "TERM")) kill(engine, SIGTERM);
      };
    }
    std::string prefix = "[" + request.engine_name + "] ";
    request.on_line = [&](const std::string& line, bool is_err) {
      if (line.rfind("[rank ", 0) == 0) {
        (is_err ? std::cerr : std::cout) << line << '\n' << std::flush;
        return;
      }
      logLine(prefix + line);
      // mpirun announces the SIGUSR2 that stops the ranks (see Note [Stopping
      // under mpirun]); on the terminal that would only puzzle.
      if (line == "mpirun: Forwarding signal 12 to job") return;
      std::cerr << prefix << line << std::endl;
      engine_lines.push_back(line);
      if (engine_lines.size() > 12) engine_lines.pop_front();
    };
    request.failure_seen = [&] {
      RankRecords r = readRankRecords(job_.logs_dir, job_.run_id, restart);
      if (!r.errors.empty()) return true;
      for (const auto& x : r.exits) {
        if (x.failed()) return true;
      }
      return false;
    };
    EngineOutcome outcome = supervise(request, signals);
    outcome.engine_lines.assign(engine_lines.begin(), engine_lines.end());
    if (outcome.interrupted_by) interrupted_ = outcome.interrupted_by;

    RootCauseInput input;
    input.plan = &job_.plan;
    input.records = readRankRecords(job_.logs_dir, job_.run_id, restart);
    input.engine = outcome;
    input.engine_name =
        job_.plan.engine == Engine::kDirect ? "the rank agent" : request.engine_name;
    if (missingExitRecords(input.records)) input.logs_problem = logsWriteProblem(job_.logs_dir);
    bool failed = outcome.exit_code != 0 || outcome.signal != 0;
    bool rank_to_blame = !input.records.errors.empty();
    for (const auto& x : input.records.exits) rank_to_blame |= x.failed();
    if (failed && !rank_to_blame && !outcome.interrupted_by && !outcome.timed_out &&
        job_.plan.engine == Engine::kMpirunHosts && !job_.plan.hosts_from_slurm) {
      for (const auto& p : unreachableHosts(hostNames(job_.plan), kLostHostProbeTimeoutS)) {
        input.unreachable_hosts.push_back(p.host);
      }
    }
    RootCause cause = findRootCause(input);

    RunAttempt& done = record_.attempts.back();
    done.end = unixNow();
    done.exit_status = cause.status;
    done.root_cause = cause.headline;
    done.rank = cause.rank;
    done.host = cause.host;
    saveRecord();
    if (cause.status == exit_status::kSucceeded) return cause.status;

    ReportContext context;
    context.restart = restart;
    context.max_restarts = job_.options.max_restarts;
    context.seconds = done.end - done.start;
    context.engine_summary =
        input.engine_name +
        (outcome.signal ? " was killed by " + signalName(outcome.signal)
                        : " exited with status " + std::to_string(outcome.exit_code)) +
        (outcome.forced ? " (cohortrun had to kill it)" : "");
    context.engine_lines = outcome.engine_lines;
    if (cause.rank >= 0) {
      context.log_path = job_.logs_dir + "/" + rankLogName(cause.rank);
      context.log_tail = lastLines(context.log_path, 15);
    }
    std::string report = formatFailureReport(cause, context);
    std::cerr << report << std::flush;
    logLine(report);
    return cause.status;
  }

  // A rank that started (its log exists) has no exit record.
  static bool missingExitRecords(const RankRecords& records) {
    std::set<int> ended;
    for (const auto& x : records.exits) ended.insert(x.rank);
    for (int rank : records.started) {
      if (!ended.count(rank)) return true;
    }
    return false;
  }

  const Job& job_;
  RunRecord record_;
  std::ofstream launcher_log_;
  int interrupted_ = 0;
  bool job_started_ = false;  // the first attempt's engine was started
  std::string logs_problem_;  // why run.json could not be written, if it could not
};

int launch(const std::vector<std::string>& args) {
  Job job;
  job.argv = {"cohortrun"};
  job.argv.insert(job.argv.end(), args.begin(), args.end());
  job.options = parseOptions(args);
  Options& o = job.options;
  if (o.help) {
    std::cout << helpText();
    return exit_status::kSucceeded;
  }
  if (o.version) {
    std::cout << "cohortrun (cohort) " << COHORT_VERSION << std::endl;
    return exit_status::kSucceeded;
  }
  std::vector<HostSlots> hosts;
  if (!o.hosts.empty()) hosts = parseHostsOption(o.hosts);
  if (!o.hostfile.empty()) {
    std::ifstream file(o.hostfile);
    if (!file) {
      throw ConfigError("cannot read hostfile " + o.hostfile, "check the path given to --hostfile");
    }
    hosts = parseHostfile(readWholeFile(o.hostfile), o.hostfile);
  }
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  job.plan = planJob(o, hosts, processEnv(), hostName(), static_cast<int>(cpus > 0 ? cpus : 1));
  job.run_id = o.run_id.empty() ? makeRunId() : o.run_id;
  job.logs_dir = absolutePath(o.logs);
  job.outputs_dir = absolutePath(o.outputs);
  job.launcher = selfPath("cohortrun");
  o.program[0] = resolveProgram(o.program[0]);
  if (job.plan.engine == Engine::kSbatch) return submitToSlurm(job);

  if (job.plan.engine == Engine::kMpirunHosts && !job.plan.hosts_from_slurm) {
    std::vector<uint32_t> addresses;  // every host must resolve
    for (const auto& h : job.plan.hosts) addresses.push_back(resolveHost(h.name));
    job.network = o.network.empty() ? chooseNetwork(localNetworks(), addresses) : o.network;
  }
  if (o.dry_run) {
    std::cout << describeCommand(buildCommand(job, 0)) << std::endl;
    return exit_status::kSucceeded;
  }
  if (job.plan.engine != Engine::kDirect)
    requireEngine(job.plan.engine == Engine::kSrun ? "srun" : "mpirun");
  if (!o.upload_url.empty()) {
    job.upload_program = siblingProgram("cohort-upload");
    checkUploadTarget(job.upload_program, o.upload_url);
  }
  if (!o.register_name.empty()) {
    job.model_program = siblingProgram("cohort-model");
    checkRegistry(job.model_program, o.registry);
  }
  if (job.plan.engine == Engine::kMpirunHosts && !job.plan.hosts_from_slurm) {
    requireReachable(hostNames(job.plan));
  }
  return Attempts(job).run();
}

}  // namespace

int runCohortrun(const std::vector<std::string>& args) {
  // Whatever escapes is refused before the start (See Note [A tool's main]):
  // once the job has started, every failure is an exit status of its own.
  return cli::runTool("cohortrun", {exit_status::kNotStarted, exit_status::kNotStarted}, [&] {
    if (!args.empty() && args[0] == "--rank-agent") {
      return runRankAgent(parseAgentOptions({args.begin() + 1, args.end()}));
    }
    return launch(args);
  });
}

}  // namespace cohort::launcher
