#include "sweep/driver.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <vector>

#include "cohort/core/error.h"
#include "cohort/core/json.h"
#include "cohort/sweep/args_template.h"
#include "cohort/sweep/policy.h"
#include "cohort/sweep/sampler.h"
#include "cohort/sweep/store.h"
#include "cohort/sweep/sweep_file.h"
#include "common/posix_io.h"
#include "common/program_path.h"
#include "common/signal_pipe.h"
#include "sweep/host_pool.h"
#include "sweep/metrics_tail.h"
#include "sweep/stop_request.h"
#include "sweep/sweep_folder.h"
#include "sweep/sweep_registration.h"
#include "sweep/trial_job.h"
#include "sweep/trial_outcome.h"
#include "sweep/trial_value.h"

namespace cohort::sweep_tool {
namespace {

namespace fs = std::filesystem;
using sweep::Action;
using sweep::TrialState;

struct Running {
  Running(int64_t id, TrialJob j, MetricsTail t)
      : trial(id), job(std::move(j)), tail(std::move(t)) {}
  int64_t trial = 0;
  TrialJob job;
  MetricsTail tail;
  std::vector<std::string> hosts;
  std::optional<StopRequest> stop;  // why the driver stopped it
  bool warned_skipped = false;
};

std::string paramsText(const sweep::Params& params) {
  std::string text;
  for (const auto& [name, value] : params.items())
    text += (text.empty() ? "" : " ") + name + "=" + sweep::argText(value);
  return text;
}

class Driver {
 public:
  Driver(const DriverOptions& options, sweep::SweepSpec spec, std::vector<std::string> pool)
      : options_(options),
        spec_(std::move(spec)),
        pool_(std::move(pool)),
        store_(sweep::Store::open(storePath(options.dir), spec_)),
        policy_(sweep::makePolicy(spec_.policy, spec_.metric.goal)) {
    context_.cohortrun = options.cohortrun;
    context_.sweep_dir = options.dir;
    context_.digest = store_.digest();
    context_.sweep_id = sweepId(options.dir, context_.digest);
    context_.spec = &spec_;
    context_.grace_s = options.grace_s;
    for (const auto& t : store_.trials()) records_[t.id] = t;
    series_ = store_.series();
    created_ = static_cast<int64_t>(records_.size());
    refuseOrphanTrials(options.dir, records_.empty() ? 0 : records_.rbegin()->first);
  }

  int run() {
    // SIGCHLD only wakes the loop: a trial that ended is reaped at once.
    launcher::SignalPipe signals({SIGINT, SIGTERM, SIGHUP, SIGCHLD});
    started_ = launcher::unixNow();
    say("sweep " + context_.sweep_id + " in " + options_.dir + ": " + std::to_string(created_) +
        " trials so far of " + std::to_string(spec_.limits.maxTrials));
    recover();
    for (;;) {
      for (int s : signals.take()) {
        if (s == SIGCHLD) continue;
        if (!stopping_) {
          say(std::string("stopping on ") + strsignal(s) +
              ": trials are stopped and requeued (a second signal ends their grace period)");
          for (auto& r : running_) {
            if (!r.job.stopRequested()) r.job.stop();
          }
        } else {
          // cohortrun takes a second signal as "now": its ranks get SIGKILL.
          say(std::string("stopping on a second ") + strsignal(s) +
              ": the trials' grace period is cut short");
          for (auto& r : running_) r.job.stop();
        }
        stopping_ = true;
        signal_ = s;
      }
      if (!stopping_ && !timed_out_ && spec_.limits.timeoutS > 0 &&
          launcher::unixNow() - started_ > spec_.limits.timeoutS) {
        timed_out_ = true;
        say("limits.timeout (" + sweep::numberText(spec_.limits.timeoutS) + " s) ran out");
        for (auto& r : running_) requestStop(r, {Action::kStop, timeoutDecision()});
      }
      for (auto& r : running_) follow(r);
      reap();
      if (!stopping_ && !timed_out_) {
        promote();
        fill();
      }
      if (running_.empty() && (stopping_ || timed_out_ || nothingLeft())) break;
      struct pollfd p = {signals.fd(), POLLIN, 0};
      ::poll(&p, 1, static_cast<int>(options_.poll_s * 1000));
    }
    if (stopping_) return 128 + signal_;
    cutLeftovers();
    const auto best = bestTrial(store_.trials(), series_, spec_.metric.goal);
    if (!best) {
      say("the sweep ended with no completed trial that reported " + spec_.metric.name);
      return 1;
    }
    say("best: trial " + std::to_string(best->trial) + ", " + spec_.metric.name + " " +
        sweep::numberText(best->value) + " (" + paramsText(records_[best->trial].params) + ")");
    if (!spec_.registry.name.empty()) {
      // Once per sweep: a `run` of a finished sweep does not register it again.
      const std::string done = options_.dir + "/registered.json";
      const auto before = nlohmann::json::parse(launcher::readWholeFile(done), nullptr, false);
      if (jsonField(before, "trial", int64_t{0}) == best->trial) {
        say("trial " + std::to_string(best->trial) + "'s model is registered already, as " +
            jsonField(before, "model", std::string()));
        return 0;
      }
      const TrialPaths paths = trialPaths(options_.dir, best->trial);
      std::string registered;
      try {
        registered = registerBest(spec_, paths, context_.sweep_id, best->trial);
      } catch (const Error& e) {
        // The sweep did its work: its own exit status says that only the registration failed.
        const std::string why = "the sweep completed, but registering trial " +
                                std::to_string(best->trial) + "'s model (" + paths.outputs +
                                "/model) as " + spec_.registry.name + " failed: " + e.detail() +
                                "\n  what to do: " + e.hint() +
                                "; then `cohort-sweep run` on this folder registers it";
        say(why);
        if (options_.quiet)
          std::fprintf(stderr, "cohort-sweep: %s\n", why.c_str());  // a failure is never quiet
        return kRegisterFailed;
      }
      launcher::writeFileAtomically(
          done, nlohmann::json{{"trial", best->trial}, {"model", registered}}.dump() + "\n");
      say("registered trial " + std::to_string(best->trial) + "'s model as " + registered);
    }
    return 0;
  }

 private:
  void say(const std::string& line) {
    if (!options_.quiet) std::fprintf(stderr, "cohort-sweep: %s\n", line.c_str());
    const std::string path = options_.dir + "/driver.log";
    UniqueFd f{::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)};
    if (f.fd >= 0) writeAll(f.fd, launcher::isoTime(launcher::unixNow()) + " " + line + "\n");
  }

  sweep::Decision timeoutDecision() const {
    sweep::Decision d;
    d.action = Action::kStop;
    d.reason =
        "limits.timeout: the sweep's " + sweep::numberText(spec_.limits.timeoutS) + " s ran out";
    return d;
  }

  sweep::TrialSeries& seriesOf(int64_t trial) {
    while (static_cast<int64_t>(series_.size()) < trial) {
      sweep::TrialSeries s;
      s.trial = static_cast<int64_t>(series_.size()) + 1;
      series_.push_back(s);
    }
    return series_[static_cast<size_t>(trial - 1)];
  }

  // Note [Reattaching trials] in trial_job.h.
  void recover() {
    for (auto& [id, t] : records_) {
      if (t.state != TrialState::kRunning) continue;
      const TrialPaths paths = trialPaths(options_.dir, id);
      if (auto job = TrialJob::reattach(t.jobId, paths)) {
        say("trial " + std::to_string(id) + ": reattached to its job " + t.jobId);
        Running r(id, std::move(*job),
                  MetricsTail(paths.logs + "/metrics.jsonl", spec_.metric.name));
        r.stop = readStopRequest(paths.dir);
        r.hosts = runHosts(paths.logs);  // so no other trial is given them
        running_.push_back(std::move(r));
        continue;
      }
      const JobEnd end = readJobEnd(paths.logs);
      if (!end.known) {
        store_.requeue(id);
        t.state = TrialState::kQueued;
        say("trial " + std::to_string(id) + ": its job " + t.jobId + " is gone; requeued");
        continue;
      }
      MetricsTail tail(paths.logs + "/metrics.jsonl", spec_.metric.name);
      record(id, tail.pollToEnd(), false);
      settle(id, end, readStopRequest(paths.dir), paths, tailFailure(tail));
    }
  }

  // Why a trial whose metrics file is not a regular file fails ("" when it is one).
  static std::string tailFailure(const MetricsTail& tail) {
    if (tail.problem().empty()) return "";
    return tail.problem() + "; the driver reads a trial's metrics from a regular file only " +
           "(docs/sweep.md: Reporting the metric)";
  }

  // New points into the store and the series, and the policy's word at each.
  void follow(Running& r) {
    const auto points = r.tail.poll();
    if (r.tail.skippedLines() > 0 && !r.warned_skipped) {
      r.warned_skipped = true;
      say("trial " + std::to_string(r.trial) + ": skipping lines of " + r.tail.path() +
          " that are not {\"step\": N, ...} JSON (" + r.tail.lastSkip() + ")");
    }
    record(r.trial, points, !r.job.stopRequested());
    if (!r.tail.problem().empty() && !r.job.stopRequested()) {
      say("trial " + std::to_string(r.trial) + ": stopping it: " + tailFailure(r.tail));
      r.job.stop();
    }
  }

  void record(int64_t trial, const std::vector<sweep::MetricPoint>& points, bool judge) {
    if (points.empty()) return;
    store_.addMetrics(trial, points);
    for (const auto& p : points) {
      auto& s = seriesOf(trial).points;
      auto at =
          std::lower_bound(s.begin(), s.end(), p.step,
                           [](const sweep::MetricPoint& a, int64_t step) { return a.step < step; });
      if (at != s.end() && at->step == p.step) {
        at->value = p.value;
        continue;  // a step reported again (resumed from an earlier checkpoint): judged before
      }
      s.insert(at, p);
      if (!judge) continue;
      const sweep::Decision d = policy_->decide(series_, trial);
      if (d.action != Action::kContinue || std::isfinite(d.threshold))
        store_.addDecision(trial, sweep::policyName(spec_.policy.kind), d);
      if (d.action != Action::kContinue) {
        for (auto& r : running_) {
          if (r.trial == trial) requestStop(r, {d.action, d});
        }
        return;  // it is being stopped: later points wait for it to end
      }
    }
  }

  void requestStop(Running& r, const StopRequest& stop) {
    if (r.job.stopRequested()) return;
    writeStopRequest(r.job.paths().dir, stop);
    r.stop = stop;
    r.job.stop();
    say("trial " + std::to_string(r.trial) + ": " + sweep::actionName(stop.action) + ", " +
        stop.decision.reason);
  }

  void reap() {
    for (size_t i = 0; i < running_.size();) {
      Running& r = running_[i];
      if (!r.job.ended()) {
        ++i;
        continue;
      }
      record(r.trial, r.tail.pollToEnd(), false);  // the lines written last
      const std::string failure = tailFailure(r.tail);
      if (stopping_ && !r.stop && failure.empty()) {
        store_.requeue(r.trial);
        records_[r.trial].state = TrialState::kQueued;
        say("trial " + std::to_string(r.trial) + ": stopped with the sweep; requeued");
      } else {
        settle(r.trial, r.job.end(), r.stop, r.job.paths(), failure);
      }
      running_.erase(running_.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }

  // An ended job's trial: completed, cut, paused, failed or requeued
  // (trial_outcome.h). `failure`: why the driver failed it while it ran ("" when it did not).
  void settle(int64_t id, const JobEnd& end, const std::optional<StopRequest>& stop,
              const TrialPaths& paths, const std::string& failure) {
    auto& t = records_[id];
    const TrialOutcome o = settleTrial(
        {end, stop, failure, seriesOf(id).points, allocation_, paths.logs, paths.outputs}, spec_);
    if (o.state == TrialState::kPaused) {
      store_.pause(id, paths.outputs);
    } else if (o.state == TrialState::kQueued) {
      store_.requeue(id);
    } else {
      store_.finish(id, o.state, end.known ? std::optional<int64_t>(end.exit_status) : std::nullopt,
                    o.reason);
    }
    t.state = o.state;
    say("trial " + std::to_string(id) + ": " + o.note +
        (o.state == TrialState::kFailed ? " (" + paths.console + ")" : ""));
    seriesOf(id).finished = t.state != TrialState::kPaused && t.state != TrialState::kQueued;
  }

  int64_t slotsFree() const {
    return spec_.limits.maxConcurrent - static_cast<int64_t>(running_.size());
  }

  // Hosts for one more trial (engines hosts and slurm; See host_pool.h), or
  // nullopt when too few are free.
  std::optional<std::vector<std::string>> freeHosts() const {
    std::vector<std::string> hosts;
    if (pool_.empty()) return hosts;
    std::set<std::string> busy;
    for (const auto& r : running_) busy.insert(r.hosts.begin(), r.hosts.end());
    for (const auto& h : pool_) {
      if (static_cast<int64_t>(hosts.size()) < spec_.trial.nodes && !busy.count(h))
        hosts.push_back(h);
    }
    if (static_cast<int64_t>(hosts.size()) < spec_.trial.nodes) return std::nullopt;
    return hosts;
  }

  bool launch(int64_t id, bool resume) {
    auto hosts = freeHosts();
    if (!hosts) return false;
    auto& t = records_[id];
    TrialJob job = TrialJob::start(context_, t, *hosts, resume);
    clearStopRequest(job.paths().dir);
    store_.start(id, job.id());
    t.state = TrialState::kRunning;
    t.jobId = job.id();
    seriesOf(id).finished = false;
    say("trial " + std::to_string(id) + (resume ? ": resumed (" : ": started (") +
        paramsText(t.params) + ")");
    const std::string metrics = job.paths().logs + "/metrics.jsonl";
    Running r(id, std::move(job), MetricsTail(metrics, spec_.metric.name));
    r.hosts = *hosts;
    r.tail.skipToEnd();  // what is there the store has; the job appends from here
    running_.push_back(std::move(r));
    return true;
  }

  void promote() {
    std::vector<int64_t> paused;
    for (const auto& [id, t] : records_) {
      if (t.state == TrialState::kPaused) paused.push_back(id);
    }
    if (paused.empty()) return;
    for (int64_t id : policy_->promotions(series_, paused)) {
      if (slotsFree() <= 0 || !launch(id, true)) return;
    }
    // See Note [Driver loop]: the budget is spent, nothing runs, none completed.
    if (!running_.empty() || !nothingLeft()) return;
    for (const auto& [id, t] : records_) {
      if (t.state == TrialState::kCompleted) return;
    }
    int64_t pick = 0;
    for (int64_t id : paused) {
      const auto& a = seriesOf(id).points;
      if (pick == 0) {
        pick = id;
        continue;
      }
      const auto& b = seriesOf(pick).points;
      if (a.size() > b.size() ||
          (a.size() == b.size() &&
           better(trialValue(seriesOf(id)), trialValue(seriesOf(pick)), spec_.metric.goal))) {
        pick = id;
      }
    }
    say("trial " + std::to_string(pick) +
        ": promoted as the best paused trial at the highest rung (no trial has completed and "
        "the budget is spent)");
    launch(pick, true);
  }

  void fill() {
    while (slotsFree() > 0) {
      std::optional<int64_t> next;
      for (const auto& [id, t] : records_) {
        if (t.state == TrialState::kQueued) {
          next = id;
          break;
        }
      }
      if (next) {
        if (!launch(*next, records_[*next].started > 0)) return;
        continue;
      }
      if (created_ >= spec_.limits.maxTrials || exhausted_ || !freeHosts()) return;
      const auto params =
          sweep::nextParams(spec_, static_cast<uint64_t>(created_), history(records_, series_));
      if (!params) {
        exhausted_ = true;
        return;
      }
      const int64_t id = store_.addTrial(*params);
      ++created_;
      records_[id] = store_.trial(id);
      seriesOf(id);
    }
  }

  bool nothingLeft() const {
    if (created_ < spec_.limits.maxTrials && !exhausted_) return false;
    for (const auto& [id, t] : records_) {
      if (t.state == TrialState::kQueued) return false;
    }
    return true;  // paused trials no promotion can reach now: see cutLeftovers
  }

  void cutLeftovers() {
    for (auto& [id, t] : records_) {
      if (t.state != TrialState::kPaused) continue;
      const std::string why = "asha: paused at interval " +
                              std::to_string(seriesOf(id).points.size()) +
                              " and not promoted before the sweep ended";
      store_.finish(id, TrialState::kCut, t.exitStatus, why);
      t.state = TrialState::kCut;
      seriesOf(id).finished = true;
      say("trial " + std::to_string(id) + ": cut (" + why + ")");
    }
  }

  DriverOptions options_;
  sweep::SweepSpec spec_;
  std::vector<std::string> pool_;  // See host_pool.h; empty: trials run on this machine
  std::string allocation_ = processEnv()("SLURM_JOB_ID").value_or("");  // "" outside Slurm
  sweep::Store store_;
  std::unique_ptr<sweep::Policy> policy_;
  LaunchContext context_;
  std::map<int64_t, sweep::TrialRecord> records_;
  std::vector<sweep::TrialSeries> series_;  // series_[id - 1]
  std::vector<Running> running_;
  int64_t created_ = 0;
  bool exhausted_ = false;
  bool stopping_ = false;
  int signal_ = 0;
  bool timed_out_ = false;
  double started_ = 0;
};

}  // namespace

int runSweep(const DriverOptions& options) {
  sweep::SweepSpec spec = sweep::readSweepFile(options.sweep_file);
  checkRegistry(spec);  // the name, and that the registry can be written
  std::vector<std::string> pool = hostPool(spec, options.sweep_file, processEnv());
  // A program that is not there would fail every trial and spend the budget.
  try {
    launcher::resolveProgram(spec.program);
  } catch (const ConfigError& e) {
    throw ConfigError(options.sweep_file + ": program: " + e.detail(),
                      "fix `program` in the sweep file; a relative path is taken from the "
                      "folder cohort-sweep runs in");
  }
  try {
    launcher::resolveProgram(options.cohortrun);
  } catch (const ConfigError& e) {
    throw ConfigError("--cohortrun: " + e.detail(),
                      "give the path of cohortrun, or leave --cohortrun out to use the one "
                      "beside cohort-sweep");
  }
  if (storeIsNew(options.dir)) refuseOrphanTrials(options.dir, 0);  // before a store is made
  launcher::makeDirectories(options.dir);
  DriverLock lock(options.dir);
  const std::string copy = options.dir + "/sweep.yaml";
  launcher::writeFileAtomically(copy, spec.text);
  Driver driver(options, std::move(spec), std::move(pool));
  return driver.run();
}

}  // namespace cohort::sweep_tool
