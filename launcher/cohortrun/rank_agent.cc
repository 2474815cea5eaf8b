#include "cohortrun/rank_agent.h"

#include <fcntl.h>
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "cohort/core/error.h"
#include "cohortrun/options.h"
#include "cohortrun/rank_identity.h"
#include "cohortrun/rank_records.h"
#include "cohortrun/singleton_session.h"
#include "common/child_process.h"
#include "common/command_line.h"
#include "common/duration.h"
#include "common/output_pump.h"
#include "common/posix_io.h"
#include "common/signal_pipe.h"

namespace cohort::launcher {

namespace {

int signalByName(const std::string& name) {
  if (name == "USR1") return SIGUSR1;
  if (name == "USR2") return SIGUSR2;
  if (name == "TERM") return SIGTERM;
  if (name == "INT") return SIGINT;
  if (name == "HUP") return SIGHUP;
  throw ConfigError("--stop-signal '" + name + "' is not one of USR1, USR2, TERM, INT, HUP",
                    "leave --stop-signal to cohortrun");
}

class Agent {
 public:
  Agent(const AgentOptions& options, const RankIdentity& id)
      : options_(options),
        id_(id),
        host_(hostName()),
        echo_(options.console_ranks.contains(id.rank)) {}

  int run() {
    makeDirectories(options_.logs_dir);
    std::string log_path = options_.logs_dir + "/" + rankLogName(id_.rank);
    log_fd_ = UniqueFd(openToWrite(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND));
    if (log_fd_.fd < 0) {
      throw ConfigError(openToWriteProblem(log_path, errno) + " (on " + host_ + ")",
                        "make the logs folder writable on every host (--logs)");
    }
    std::vector<int> caught = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2};
    SignalPipe signals(caught);
    signal(SIGPIPE, SIG_IGN);  // the engine may go before the agent: keep logging

    std::string command;
    for (const auto& a : options_.program) command += (command.empty() ? "" : " ") + a;
    note("rank " + std::to_string(id_.rank) + " of " + std::to_string(id_.size) + " (local " +
         std::to_string(id_.local_rank) + " of " + std::to_string(id_.local_size) + ") on " +
         host_ + ", run " + options_.run_id + ", restart " + std::to_string(options_.restart) +
         ": " + command);
    double start = unixNow();
    ChildSpec spec;
    spec.argv = options_.program;
    spec.out = Stream::kPipe;
    spec.err = Stream::kPipe;
    spec.own_group = true;               // so the agent can stop what it starts too
    spec.parent_death_signal = SIGKILL;  // and it dies with the agent
    spec.default_signals = caught;       // the agent's handlers are not the program's
    spec.clear_signal_mask = true;
    spec.exec_error_prefix = "cohortrun: ";
    // See Note [Singleton session folders]: removed when `run` returns.
    std::unique_ptr<SingletonSessionFolder> session;
    if (options_.world_of_one) {
      session = std::make_unique<SingletonSessionFolder>();
      spec.env = session->variables();
    }
    child_ = std::make_unique<ChildProcess>(spec);
    pump(signals);

    const ExitStatus status = child_->status();
    ExitRecord record;
    record.rank = id_.rank;
    record.host = host_;
    record.pid = child_->pid();
    record.time = unixNow();
    record.exit_code = status.exit_code;
    record.signal = status.signal;
    record.stopped = stopping_;
    record.run_id = options_.run_id;
    record.restart = options_.restart;
    try {
      writeFileAtomically(options_.logs_dir + "/" + exitRecordName(id_.rank),
                          exitRecordJson(record));
    } catch (const Error& e) {
      // Still end as the program did: the engine then reports it.
      writeAll(STDERR_FILENO, std::string("cohortrun: rank agent: ") + e.what() + "\n");
    }
    char took[32];
    std::snprintf(took, sizeof took, "%.1f", record.time - start);
    note(std::string("program ") +
         (record.signal ? "was killed by signal " + std::to_string(record.signal)
                        : "exited with code " + std::to_string(record.exit_code)) +
         (stopping_ ? " after being asked to stop" : "") + ", after " + took + " s");
    child_->signalGroup(SIGKILL);  // anything it left running in its group
    log_fd_.reset();
    return record.signal ? 128 + record.signal : record.exit_code;
  }

  int programSignal() const { return child_ ? child_->status().signal : 0; }

 private:
  // A line of the agent's own in the rank's log.
  void note(const std::string& text) { writeAll(log_fd_.fd, "[cohortrun] " + text + "\n"); }

  void line(const std::string& text, bool is_err) {
    writeAll(log_fd_.fd, text + "\n");
    if (echo_) writeAll(is_err ? STDERR_FILENO : STDOUT_FILENO, rankPrefix(id_.rank) + text + "\n");
  }

  void stop() {
    if (stopping_) return;
    stopping_ = true;
    child_->signalGroup(SIGTERM);
    kill_at_ = unixNow() + options_.grace_s;
  }

  // Copies output until the program has ended and its pipes are drained.
  void pump(SignalPipe& signals) {
    OutputPump output;
    output.add(child_->takeStdout(), [&](const std::string& text) { line(text, false); });
    output.add(child_->takeStderr(), [&](const std::string& text) { line(text, true); });
    bool exited = false;
    double drain_until = 0;
    while (output.openCount() > 0 || !exited) {
      double now = unixNow();
      if (exited && drain_until == 0) drain_until = now + 2;  // descendants may hold the pipes
      if (exited && now > drain_until) break;
      if (stopping_ && !exited && now >= kill_at_) {
        child_->signalGroup(SIGKILL);
        kill_at_ = now + 3600;
      }
      double wait_s = exited ? drain_until - now : stopping_ ? kill_at_ - now : 1.0;
      int timeout_ms = static_cast<int>(std::max(0.0, std::min(wait_s, 1.0)) * 1000) + 1;
      if (!output.pump(timeout_ms, signals.fd())) break;
      // Checked on every pass: a SIGCHLD byte could be lost to a full pipe.
      if (!exited && child_->poll()) exited = true;
      for (int s : signals.take()) {
        if (s == SIGCHLD) {
          continue;
        } else if (s == SIGTERM || s == SIGINT || s == SIGHUP || s == options_.stop_signal) {
          stop();
        } else if (!exited) {
          child_->signal(
              s);  // SIGUSR1 (and SIGUSR2 when it is not the stop signal) are the program's
        }
      }
    }
    output.finish();
    child_->wait();
  }

  const AgentOptions& options_;
  RankIdentity id_;
  std::string host_;
  bool echo_;
  UniqueFd log_fd_;
  std::unique_ptr<ChildProcess> child_;
  bool stopping_ = false;
  double kill_at_ = 0;
};

}  // namespace

std::string rankPrefix(int rank) { return "[rank " + std::to_string(rank) + "] "; }

AgentOptions parseAgentOptions(const std::vector<std::string>& args) {
  using S = const std::string&;
  AgentOptions o;
  cli::CommandLine cl(
      "cohortrun --rank-agent",
      "cohortrun --rank-agent: how cohortrun starts every rank (see rank_agent.h)\n\n"
      "usage: cohortrun --rank-agent --logs DIR [options] -- PROGRAM [ARGS...]",
      "");
  const cli::CommandLine* c = &cl;
  cl.value("--logs", "DIR", "the logs folder", [&o](S, S v) { o.logs_dir = v; });
  cl.value("--run-id", "ID", "for the exit record", [&o](S, S v) { o.run_id = v; });
  cl.value("--restart", "K", "for the exit record",
           [&o, c](S n, S v) { o.restart = static_cast<int>(c->count(n, v, 0, 1000000)); });
  cl.value("--console-ranks", "LIST", "ranks that echo their output",
           [&o](S n, S v) { o.console_ranks = RankSet::parse(v, n); });
  cl.value("--grace-period", "DURATION", "between SIGTERM and SIGKILL", [&o, c](S n, S v) {
    if (!parseDuration(v, &o.grace_s))
      c->fail(n + " '" + v + "' is not a duration", "leave the agent to cohortrun");
  });
  cl.value("--stop-signal", "USR2", "one more signal that means stop",
           [&o](S, S v) { o.stop_signal = signalByName(v); });
  cl.flag("--world-of-one", "rank 0 of 1, started without an engine",
          [&o] { o.world_of_one = true; });
  cl.onUnknownOption([](S, S) { return std::string("leave the agent to cohortrun"); });
  cl.takesProgram();
  o.program = cl.parse(args);
  if (o.logs_dir.empty() || o.program.empty()) {
    cl.fail("rank agent: --logs DIR and a program after '--' are needed",
            "leave the agent to cohortrun");
  }
  return o;
}

int runRankAgent(const AgentOptions& options) {
  RankIdentity id;  // rank 0 of 1 for a world of one (See Note [A world of one])
  id.engine = "none";
  if (!options.world_of_one) id = rankIdentityFromEngine(processEnv());
  setenv("COHORT_RANK", std::to_string(id.rank).c_str(), 1);
  setenv("COHORT_WORLD_SIZE", std::to_string(id.size).c_str(), 1);
  setenv("COHORT_LOCAL_RANK", std::to_string(id.local_rank).c_str(), 1);
  setenv("COHORT_LOCAL_SIZE", std::to_string(id.local_size).c_str(), 1);
  // torchrun's names for the same (See rendezvous.h).
  setenv("RANK", std::to_string(id.rank).c_str(), 1);
  setenv("WORLD_SIZE", std::to_string(id.size).c_str(), 1);
  setenv("LOCAL_RANK", std::to_string(id.local_rank).c_str(), 1);
  setenv("LOCAL_WORLD_SIZE", std::to_string(id.local_size).c_str(), 1);
  Agent agent(options, id);
  int status = agent.run();
  if (int s = agent.programSignal()) {
    // End as the program did, so the engine reports its signal; no core file
    // of the agent's own.
    rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    signal(s, SIG_DFL);
    sigset_t unblock;
    sigemptyset(&unblock);
    sigaddset(&unblock, s);
    sigprocmask(SIG_UNBLOCK, &unblock, nullptr);
    raise(s);
  }
  return status;
}

}  // namespace cohort::launcher
