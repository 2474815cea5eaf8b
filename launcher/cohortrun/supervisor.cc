#include "supervisor.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <map>

#include "cohort/core/error.h"
#include "line_buffer.h"
#include "posix_io.h"

namespace cohort::launcher {

namespace {

// Every process below `root`, from /proc (parents before children).
std::vector<pid_t> descendants(pid_t root) {
  std::multimap<pid_t, pid_t> children;
  if (DIR* proc = opendir("/proc")) {
    while (dirent* entry = readdir(proc)) {
      pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
      if (pid <= 0) continue;
      std::ifstream stat("/proc/" + std::string(entry->d_name) + "/stat");
      std::string text;
      std::getline(stat, text);
      size_t close = text.rfind(')');  // the name may hold spaces and parentheses
      if (close == std::string::npos) continue;
      char state = 0;
      int ppid = 0;
      if (std::sscanf(text.c_str() + close + 1, " %c %d", &state, &ppid) == 2) {
        children.emplace(ppid, pid);
      }
    }
    closedir(proc);
  }
  std::vector<pid_t> out, frontier = {root};
  while (!frontier.empty()) {
    pid_t parent = frontier.back();
    frontier.pop_back();
    auto [begin, end] = children.equal_range(parent);
    for (auto it = begin; it != end; ++it) {
      out.push_back(it->second);
      frontier.push_back(it->second);
    }
  }
  return out;
}

pid_t startEngine(const EngineCommand& command, int out_fd, int err_fd) {
  pid_t pid = fork();
  if (pid < 0) {
    throw ConfigError(std::string("cannot start ") + command.argv[0] + ": fork: " + std::strerror(errno),
                      "free some memory or processes and try again");
  }
  if (pid > 0) {
    setpgid(pid, pid);
    return pid;
  }
  // The child. cohortrun is single-threaded, so setenv is safe here.
  setpgid(0, 0);  // its own group: a Ctrl-C reaches cohortrun only, which stops the job in order
  // If cohortrun itself is killed (SIGKILL cannot be caught), the engine ends the job.
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGPIPE}) signal(s, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  int null_fd = open("/dev/null", O_RDONLY);
  dup2(null_fd, STDIN_FILENO);
  dup2(out_fd, STDOUT_FILENO);
  dup2(err_fd, STDERR_FILENO);
  for (const auto& [name, value] : command.env) setenv(name.c_str(), value.c_str(), 1);
  std::vector<char*> argv;
  for (const auto& a : command.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  execvp(argv[0], argv.data());
  std::fprintf(stderr, "cohortrun: cannot run %s: %s\n", argv[0], std::strerror(errno));
  _exit(127);
}

}  // namespace

EngineOutcome supervise(const SuperviseRequest& request, SignalPipe& signals) {
  int out[2], err[2];
  COHORT_CHECK(pipe2(out, O_CLOEXEC) == 0 && pipe2(err, O_CLOEXEC) == 0, Error, "pipe2 failed", "");
  double start = unixNow();
  pid_t engine = startEngine(request.command, out[1], err[1]);
  close(out[1]);
  close(err[1]);

  EngineOutcome outcome;
  LineBuffer out_lines, err_lines;
  pollfd fds[3] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}, {signals.fd(), POLLIN, 0}};
  int status = 0;
  bool exited = false;
  int step = 0;          // the stop step reached (see supervisor.h)
  double step_at = 0;    // when the next step is due
  double failure_at = 0, next_failure_poll = start;
  double drain_until = 0;
  double last_signal_at = 0;

  auto advance = [&](double now) {
    ++step;
    if (step == 1) {
      if (request.command.stop_signal != 0) {
        kill(engine, request.command.stop_signal);
      } else if (request.stop) {
        request.stop(engine);
      }
      step_at = now + request.grace_s + 5;
    } else if (step == 2) {
      for (int s : request.abort_signals) kill(engine, s);
      step_at = now + 5;
    } else {
      outcome.forced = true;
      for (pid_t pid : descendants(engine)) kill(pid, SIGKILL);
      killpg(engine, SIGKILL);
      step_at = now + 3600;
    }
  };

  while (true) {
    double now = unixNow();
    if (!exited && waitpid(engine, &status, WNOHANG) == engine) {
      exited = true;
      drain_until = now + 2;  // ranks on this machine may still hold the pipes
    }
    if (exited && (fds[0].fd < 0 && fds[1].fd < 0)) break;
    if (exited && now >= drain_until) break;
    if (!exited) {
      if (request.deadline > 0 && now >= request.deadline && step == 0) {
        outcome.timed_out = true;
        advance(now);
      }
      if (request.failure_seen && failure_at == 0 && now >= next_failure_poll) {
        next_failure_poll = now + 1;
        if (request.failure_seen()) failure_at = now;
      }
      if (failure_at > 0 && step == 0 && now >= failure_at + request.failure_grace_s) advance(now);
      if (step > 0 && now >= step_at) advance(now);
    }
    int ready = poll(fds, 3, 250);
    if (ready < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[65536];
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      LineBuffer& lines = i == 0 ? out_lines : err_lines;
      auto emit = [&](const std::string& text) { request.on_line(text, i == 1); };
      if (n <= 0) {
        lines.finish(emit);
        close(fds[i].fd);
        fds[i].fd = -1;
      } else {
        lines.append(buf, static_cast<size_t>(n), emit);
      }
    }
    for (int s : signals.take()) {
      if (s == SIGCHLD) continue;
      if (outcome.interrupted_by == 0) outcome.interrupted_by = s;
      // A second signal goes straight to the next step; one within a second
      // of the last is the same request (a wrapper such as timeout(1) signals
      // both cohortrun and its process group).
      double at = unixNow();
      if (!exited && at - last_signal_at >= 1.0) advance(at);
      last_signal_at = at;
    }
  }
  for (int i = 0; i < 2; ++i) {
    if (fds[i].fd >= 0) close(fds[i].fd);
  }
  auto emit_out = [&](const std::string& t) { request.on_line(t, false); };
  auto emit_err = [&](const std::string& t) { request.on_line(t, true); };
  out_lines.finish(emit_out);
  err_lines.finish(emit_err);
  if (!exited) waitpid(engine, &status, 0);
  killpg(engine, SIGKILL);  // whatever is left of its group on this machine
  outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  outcome.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  outcome.seconds = unixNow() - start;
  return outcome;
}

}  // namespace cohort::launcher
