#include "rank_agent.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cohort/core/error.h"
#include "line_buffer.h"
#include "options.h"
#include "posix_io.h"
#include "rank_identity.h"
#include "rank_records.h"
#include "signal_pipe.h"

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

// In the child, between fork and exec: only async-signal-safe calls.
[[noreturn]] void execProgram(const std::vector<std::string>& program, int out_fd, int err_fd,
                              pid_t agent, const std::vector<int>& caught) {
  setpgid(0, 0);  // its own group, so the agent can stop what it starts too
  prctl(PR_SET_PDEATHSIG, SIGKILL);  // and it dies with the agent
  if (getppid() != agent) _exit(127);
  for (int s : caught) signal(s, SIG_DFL);  // the agent's handlers are not the program's
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  dup2(out_fd, STDOUT_FILENO);
  dup2(err_fd, STDERR_FILENO);
  std::vector<char*> argv;
  for (const auto& a : program) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  execvp(argv[0], argv.data());
  const char* why = strerror(errno);
  const char* parts[] = {"cohortrun: cannot run ", argv[0], ": ", why, "\n"};
  for (const char* p : parts) {
    ssize_t ignored = write(STDERR_FILENO, p, strlen(p));
    (void)ignored;
  }
  _exit(127);
}

class Agent {
 public:
  Agent(const AgentOptions& options, const RankIdentity& id)
      : options_(options), id_(id), host_(hostName()), echo_(options.console_ranks.contains(id.rank)) {}

  int run() {
    makeDirectories(options_.logs_dir);
    std::string log_path = options_.logs_dir + "/" + rankLogName(id_.rank);
    log_fd_ = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd_ < 0) {
      throw ConfigError("cannot write " + log_path + " on " + host_ + ": " + std::strerror(errno),
                        "make the logs folder writable on every host (--logs)");
    }
    std::vector<int> caught = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2};
    SignalPipe signals(caught);
    signal(SIGPIPE, SIG_IGN);  // the engine may go before the agent: keep logging

    int out[2], err[2];
    COHORT_CHECK(pipe2(out, O_CLOEXEC) == 0 && pipe2(err, O_CLOEXEC) == 0, Error, "pipe2 failed", "");
    std::string command;
    for (const auto& a : options_.program) command += (command.empty() ? "" : " ") + a;
    note("rank " + std::to_string(id_.rank) + " of " + std::to_string(id_.size) + " (local " +
         std::to_string(id_.local_rank) + " of " + std::to_string(id_.local_size) + ") on " + host_ +
         ", run " + options_.run_id + ", restart " + std::to_string(options_.restart) + ": " +
         command);
    double start = unixNow();
    pid_t agent = getpid();
    // Signals wait until the child has its own handlers back (see execProgram).
    sigset_t block, previous;
    sigemptyset(&block);
    for (int s : caught) sigaddset(&block, s);
    sigprocmask(SIG_BLOCK, &block, &previous);
    child_ = fork();
    COHORT_CHECK(child_ >= 0, Error, std::string("fork failed: ") + std::strerror(errno), "");
    if (child_ == 0) execProgram(options_.program, out[1], err[1], agent, caught);
    setpgid(child_, child_);  // also here, so no signal can find the group missing
    sigprocmask(SIG_SETMASK, &previous, nullptr);
    close(out[1]);
    close(err[1]);
    pump(out[0], err[0], signals);

    ExitRecord record;
    record.rank = id_.rank;
    record.host = host_;
    record.pid = child_;
    record.time = unixNow();
    record.exit_code = WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
    record.signal = WIFSIGNALED(status_) ? WTERMSIG(status_) : 0;
    record.stopped = stopping_;
    record.run_id = options_.run_id;
    record.restart = options_.restart;
    try {
      writeFileAtomically(options_.logs_dir + "/" + exitRecordName(id_.rank), exitRecordJson(record));
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
    killpg(child_, SIGKILL);  // anything it left running in its group
    close(log_fd_);
    return record.signal ? 128 + record.signal : record.exit_code;
  }

  int programSignal() const { return WIFSIGNALED(status_) ? WTERMSIG(status_) : 0; }

 private:
  // A line of the agent's own in the rank's log.
  void note(const std::string& text) { writeAll(log_fd_, "[cohortrun] " + text + "\n"); }

  void line(const std::string& text, bool is_err) {
    writeAll(log_fd_, text + "\n");
    if (echo_) writeAll(is_err ? STDERR_FILENO : STDOUT_FILENO, rankPrefix(id_.rank) + text + "\n");
  }

  void stop() {
    if (stopping_) return;
    stopping_ = true;
    killpg(child_, SIGTERM);
    kill_at_ = unixNow() + options_.grace_s;
  }

  // Copies output until the program has ended and its pipes are drained.
  void pump(int out_fd, int err_fd, SignalPipe& signals) {
    LineBuffer out_lines, err_lines;
    pollfd fds[3] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}, {signals.fd(), POLLIN, 0}};
    bool exited = false;
    double drain_until = 0;
    while (fds[0].fd >= 0 || fds[1].fd >= 0 || !exited) {
      double now = unixNow();
      if (exited && drain_until == 0) drain_until = now + 2;  // descendants may hold the pipes
      if (exited && now > drain_until) break;
      if (stopping_ && !exited && now >= kill_at_) {
        killpg(child_, SIGKILL);
        kill_at_ = now + 3600;
      }
      double wait_s = exited ? drain_until - now : stopping_ ? kill_at_ - now : 1.0;
      int timeout_ms = static_cast<int>(std::max(0.0, std::min(wait_s, 1.0)) * 1000) + 1;
      int ready = poll(fds, 3, timeout_ms);
      if (ready < 0 && errno != EINTR) break;
      for (int i = 0; i < 2; ++i) {
        if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        char buf[65536];
        ssize_t n = read(fds[i].fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        LineBuffer& lines = i == 0 ? out_lines : err_lines;
        auto emit = [&](const std::string& text) { line(text, i == 1); };
        if (n <= 0) {
          lines.finish(emit);
          close(fds[i].fd);
          fds[i].fd = -1;
        } else {
          lines.append(buf, static_cast<size_t>(n), emit);
        }
      }
      // Checked on every pass: a SIGCHLD byte could be lost to a full pipe.
      if (!exited && waitpid(child_, &status_, WNOHANG) == child_) exited = true;
      for (int s : signals.take()) {
        if (s == SIGCHLD) {
          continue;
        } else if (s == SIGTERM || s == SIGINT || s == SIGHUP || s == options_.stop_signal) {
          stop();
        } else if (!exited) {
          kill(child_, s);  // SIGUSR1 (and SIGUSR2 when it is not the stop signal) are the program's
        }
      }
    }
    auto emit_out = [&](const std::string& t) { line(t, false); };
    auto emit_err = [&](const std::string& t) { line(t, true); };
    out_lines.finish(emit_out);
    err_lines.finish(emit_err);
    if (!exited) waitpid(child_, &status_, 0);
  }

  const AgentOptions& options_;
  RankIdentity id_;
  std::string host_;
  bool echo_;
  int log_fd_ = -1;
  pid_t child_ = -1;
  int status_ = 0;
  bool stopping_ = false;
  double kill_at_ = 0;
};

}  // namespace

std::string rankPrefix(int rank) { return "[rank " + std::to_string(rank) + "] "; }

AgentOptions parseAgentOptions(const std::vector<std::string>& args) {
  AgentOptions o;
  size_t i = 0;
  auto value = [&](const std::string& name) -> std::string {
    if (i + 1 >= args.size()) throw ConfigError(name + " needs a value", "leave the agent to cohortrun");
    return args[++i];
  };
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      ++i;
      break;
    } else if (a == "--logs") {
      o.logs_dir = value(a);
    } else if (a == "--run-id") {
      o.run_id = value(a);
    } else if (a == "--restart") {
      std::string text = value(a);
      auto n = parseInteger(text);
      if (!n || *n > 1000000) throw ConfigError("--restart '" + text + "'", "leave the agent to cohortrun");
      o.restart = static_cast<int>(*n);
    } else if (a == "--console-ranks") {
      o.console_ranks = RankSet::parse(value(a), a);
    } else if (a == "--grace-period") {
      std::string text = value(a);
      if (!parseDuration(text, &o.grace_s)) throw ConfigError("--grace-period '" + text + "'", "");
    } else if (a == "--stop-signal") {
      o.stop_signal = signalByName(value(a));
    } else {
      throw ConfigError("rank agent: unknown argument " + a, "leave the agent to cohortrun");
    }
  }
  o.program.assign(args.begin() + static_cast<long>(std::min(i, args.size())), args.end());
  if (o.logs_dir.empty() || o.program.empty()) {
    throw ConfigError("rank agent: --logs DIR and a program after '--' are needed",
                      "leave the agent to cohortrun");
  }
  return o;
}

int runRankAgent(const AgentOptions& options) {
  RankIdentity id = rankIdentityFromEngine(processEnv());
  setenv("COHORT_RANK", std::to_string(id.rank).c_str(), 1);
  setenv("COHORT_WORLD_SIZE", std::to_string(id.size).c_str(), 1);
  setenv("COHORT_LOCAL_RANK", std::to_string(id.local_rank).c_str(), 1);
  setenv("COHORT_LOCAL_SIZE", std::to_string(id.local_size).c_str(), 1);
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
