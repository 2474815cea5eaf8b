#include "cohortrun/supervisor.h"

#include <dirent.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>

#include "cohort/core/number.h"
#include "common/child_process.h"
#include "common/output_pump.h"
#include "common/posix_io.h"

namespace cohort::launcher {

namespace {

// Every process below `root`, from /proc (parents before children).
std::vector<pid_t> descendants(pid_t root) {
  std::multimap<pid_t, pid_t> children;
  if (DIR* proc = opendir("/proc")) {
    while (dirent* entry = readdir(proc)) {
      const auto number = readWhole(entry->d_name, 1, INT32_MAX);  // not a process: skipped
      if (!number) continue;
      const pid_t pid = static_cast<pid_t>(*number);
      std::ifstream stat("/proc/" + std::string(entry->d_name) + "/stat");
      std::string text;
      std::getline(stat, text);
      size_t close = text.rfind(')');  // the name may hold spaces and parentheses
      if (close == std::string::npos) continue;
      // After the name: " STATE PPID ...".
      const size_t ppid_start = close + 4;
      const size_t ppid_end = text.find(' ', ppid_start);
      if (ppid_start >= text.size() || ppid_end == std::string::npos) continue;
      if (const auto ppid =
              readWhole(text.substr(ppid_start, ppid_end - ppid_start), 0, INT32_MAX)) {
        children.emplace(static_cast<pid_t>(*ppid), pid);
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

ChildProcess startEngine(const EngineCommand& command) {
  ChildSpec spec;
  spec.argv = command.argv;
  spec.env = command.env;
  spec.in = Stream::kNull;
  spec.out = Stream::kPipe;
  spec.err = Stream::kPipe;
  // Its own group: a Ctrl-C reaches cohortrun only, which stops the job in order.
  spec.own_group = true;
  // If cohortrun itself is killed (SIGKILL cannot be caught), the engine ends the job.
  spec.parent_death_signal = SIGTERM;
  spec.default_signals = {SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGPIPE};
  spec.clear_signal_mask = true;
  spec.exec_error_prefix = "cohortrun: ";
  return ChildProcess(spec);
}

}  // namespace

EngineOutcome supervise(const SuperviseRequest& request, SignalPipe& signals) {
  double start = unixNow();
  ChildProcess engine = startEngine(request.command);
  OutputPump output;
  output.add(engine.takeStdout(), [&](const std::string& line) { request.on_line(line, false); });
  output.add(engine.takeStderr(), [&](const std::string& line) { request.on_line(line, true); });

  EngineOutcome outcome;
  bool exited = false;
  int step = 0;        // the stop step reached (see supervisor.h)
  double step_at = 0;  // when the next step is due
  double failure_at = 0, next_failure_poll = start;
  double drain_until = 0;
  double last_signal_at = 0;

  auto advance = [&](double now) {
    ++step;
    if (step == 1) {
      if (request.command.stop_signal != 0) {
        engine.signal(request.command.stop_signal);
      } else if (request.stop) {
        request.stop(engine.pid());
      }
      step_at = now + request.grace_s + 5;
    } else if (step == 2) {
      for (int s : request.abort_signals) engine.signal(s);
      step_at = now + 5;
    } else {
      outcome.forced = true;
      for (pid_t pid : descendants(engine.pid())) kill(pid, SIGKILL);
      engine.signalGroup(SIGKILL);
      step_at = now + 3600;
    }
  };

  while (true) {
    double now = unixNow();
    if (!exited && engine.poll()) {
      exited = true;
      drain_until = now + 2;  // ranks on this machine may still hold the pipes
    }
    if (exited && output.openCount() == 0) break;
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
    if (!output.pump(250, signals.fd())) break;
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
  output.finish();
  const ExitStatus status = engine.wait();
  engine.signalGroup(SIGKILL);  // whatever is left of its group on this machine
  outcome.exit_code = status.exit_code;
  outcome.signal = status.signal;
  outcome.seconds = unixNow() - start;
  return outcome;
}

}  // namespace cohort::launcher
