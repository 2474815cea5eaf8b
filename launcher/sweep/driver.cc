#include "sweep/driver.h"

#include <poll.h>
#include <signal.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "cohort/core/error.h"
#include "cohort/sweep/args_template.h"
#include "cohort/sweep/policy.h"
#include "cohort/sweep/sampler.h"
#include "cohort/sweep/store.h"
#include "cohort/sweep/sweep_file.h"
#include "cohort/sweep/trial_lifecycle.h"
#include "common/posix_io.h"
#include "common/program_path.h"
#include "common/signal_pipe.h"
#include "sweep/driver_log.h"
#include "sweep/host_pool.h"
#include "sweep/metrics_tail.h"
#include "sweep/register_once.h"
#include "sweep/schedule.h"
#include "sweep/stop_request.h"
#include "sweep/sweep_folder.h"
#include "sweep/sweep_registration.h"
#include "sweep/trial_job.h"
#include "sweep/trial_value.h"

namespace cohort::sweep_tool {
namespace {

using sweep::TrialState;

struct Running {
  Running(int64_t id, TrialJob j, MetricsTail t)
      : trial(id), job(std::move(j)), tail(std::move(t)) {}
  int64_t trial = 0;
  TrialJob job;
  MetricsTail tail;
  std::vector<std::string> hosts;
  std::optional<sweep::StopRequest> stop;  // why the driver stopped it
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
        folder_(options.dir),
        log_(folder_, options.quiet),
        store_(sweep::Store::open(folder_.store(), spec_)),
        policy_(sweep::makePolicy(spec_.policy, spec_.metric.goal)),
        context_{options.cohortrun, folder_, "", store_.digest(), &spec_, options.grace_s} {
    context_.sweep_id = folder_.sweepId(context_.digest);
    for (const auto& t : store_.trials()) records_[t.id] = t;
    series_ = store_.series();
    created_ = static_cast<int64_t>(records_.size());
    folder_.refuseOrphanTrials(records_.empty() ? 0 : records_.rbegin()->first);
  }

  int run() {
    // SIGCHLD only wakes the loop: a trial that ended is reaped at once.
    launcher::SignalPipe signals({SIGINT, SIGTERM, SIGHUP, SIGCHLD});
    started_ = launcher::unixNow();
    say("sweep " + context_.sweep_id + " in " + folder_.dir() + ": " + std::to_string(created_) +
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
        for (auto& r : running_) requestStop(r, sweep::timeoutStop(spec_.limits.timeoutS));
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
    if (spec_.registry.name.empty()) return 0;
    return registerOnce(spec_, folder_, context_.sweep_id, best->trial, log_);
  }

 private:
  void say(const std::string& line) const { log_.say(line); }

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
      const TrialFolder trial = folder_.trial(id);
      if (auto job = TrialJob::reattach(t.jobId, trial)) {
        say("trial " + std::to_string(id) + ": reattached to its job " + t.jobId);
        Running r(id, std::move(*job), MetricsTail(trial.metrics, spec_.metric.name));
        r.stop = readStopRequest(trial);
        r.hosts = runHosts(trial.logs);  // so no other trial is given them
        running_.push_back(std::move(r));
        continue;
      }
      const sweep::JobEnd end = readJobEnd(trial.logs);
      if (!end.known) {
        apply(id, sweep::lostJob(t.jobId), std::nullopt, trial);
        continue;
      }
      MetricsTail tail(trial.metrics, spec_.metric.name);
      record(id, tail.pollToEnd(), false);
      settle(id, end, readStopRequest(trial), trial, tailFailure(tail));
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
      if (sweep::worthRecording(d))
        store_.addDecision(trial, sweep::policyName(spec_.policy.kind), d);
      if (const auto stop = sweep::stopFor(d)) {
        for (auto& r : running_) {
          if (r.trial == trial) requestStop(r, *stop);
        }
        return;  // it is being stopped: later points wait for it to end
      }
    }
  }

  void requestStop(Running& r, const sweep::StopRequest& stop) {
    if (r.job.stopRequested()) return;
    writeStopRequest(r.job.folder(), stop);
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
      settle(r.trial, r.job.end(), r.stop, r.job.folder(), tailFailure(r.tail), stopping_);
      running_.erase(running_.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }

  // An ended job's trial (See Note [Trial lifecycle] in trial_lifecycle.h).
  // `failure`: why the driver failed it while it ran ("" when it did not).
  void settle(int64_t id, const sweep::JobEnd& end, const std::optional<sweep::StopRequest>& stop,
              const TrialFolder& trial, const std::string& failure, bool sweep_stopping = false) {
    sweep::TrialEnd e;
    e.job = end;
    e.stop = stop;
    e.failure = failure;
    e.sweep_stopping = sweep_stopping;
    e.points = seriesOf(id).points;
    e.allocation = allocation_;
    e.metrics = trial.metrics;
    e.outputs = trial.outputs;
    apply(id, sweep::settleTrial(e, spec_),
          end.known ? std::optional<int64_t>(end.exit_status) : std::nullopt, trial);
  }

  // The outcome into the store, the records and the log.
  void apply(int64_t id, const sweep::TrialOutcome& o, std::optional<int64_t> exit_status,
             const TrialFolder& trial) {
    if (o.state == TrialState::kPaused) {
      store_.pause(id, trial.outputs);
    } else if (o.state == TrialState::kQueued) {
      store_.requeue(id);
    } else {
      store_.finish(id, o.state, exit_status, o.reason);
    }
    records_[id].state = o.state;
    say("trial " + std::to_string(id) + ": " + o.note +
        (o.state == TrialState::kFailed ? " (" + trial.console + ")" : ""));
    seriesOf(id).finished = o.state != TrialState::kPaused && o.state != TrialState::kQueued;
  }

  int64_t slotsFree() const {
    return spec_.limits.maxConcurrent - static_cast<int64_t>(running_.size());
  }

  // Hosts for one more trial (engines hosts and slurm; See host_pool.h), or
  // nullopt when too few are free.
  std::optional<std::vector<std::string>> freeHosts() const {
    std::set<std::string> busy;
    for (const auto& r : running_) busy.insert(r.hosts.begin(), r.hosts.end());
    return sweep_tool::freeHosts(pool_, busy, spec_.trial.nodes);
  }

  bool launch(int64_t id) {
    auto hosts = freeHosts();
    if (!hosts) return false;
    auto& t = records_[id];
    const bool resume = sweep::startResumes(t);
    TrialJob job = TrialJob::start(context_, t, *hosts, resume);
    clearStopRequest(job.folder());
    store_.start(id, job.id());
    t.state = TrialState::kRunning;
    t.jobId = job.id();
    seriesOf(id).finished = false;
    say("trial " + std::to_string(id) + (resume ? ": resumed (" : ": started (") +
        paramsText(t.params) + ")");
    const std::string metrics = job.folder().metrics;
    Running r(id, std::move(job), MetricsTail(metrics, spec_.metric.name));
    r.hosts = *hosts;
    r.tail.skipToEnd();  // what is there the store has; the job appends from here
    running_.push_back(std::move(r));
    return true;
  }

  void promote() {
    const std::vector<int64_t> paused = pausedTrials(records_);
    if (paused.empty()) return;
    for (int64_t id : policy_->promotions(series_, paused)) {
      if (slotsFree() <= 0 || !launch(id)) return;
    }
    // See Note [Driver loop]: the budget is spent, nothing runs, none completed.
    if (!running_.empty() || !nothingLeft() || anyCompleted(records_)) return;
    const int64_t pick = lastPromotion(paused, series_, spec_.metric.goal);
    say("trial " + std::to_string(pick) +
        ": promoted as the best paused trial at the highest rung (no trial has completed and "
        "the budget is spent)");
    launch(pick);
  }

  void fill() {
    while (slotsFree() > 0) {
      if (const auto next = nextQueued(records_)) {
        if (!launch(*next)) return;
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

  bool nothingLeft() const { return budgetSpent(records_, created_, spec_.limits, exhausted_); }

  // Paused trials no promotion can reach now are cut.
  void cutLeftovers() {
    for (auto& [id, t] : records_) {
      if (t.state != TrialState::kPaused) continue;
      const auto intervals = static_cast<int64_t>(seriesOf(id).points.size());
      apply(id, sweep::unpromoted(intervals), t.exitStatus, folder_.trial(id));
    }
  }

  DriverOptions options_;
  sweep::SweepSpec spec_;
  std::vector<std::string> pool_;  // See host_pool.h; empty: trials run on this machine
  std::string allocation_ = processEnv()("SLURM_JOB_ID").value_or("");  // "" outside Slurm
  SweepFolder folder_;
  DriverLog log_;
  sweep::Store store_;
  std::unique_ptr<sweep::Policy> policy_;
  LaunchContext context_;
  TrialRecords records_;
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
  const SweepFolder folder(options.dir);
  if (folder.storeIsNew()) folder.refuseOrphanTrials(0);  // before a store is made
  launcher::makeDirectories(folder.dir(), "choose a folder this user can write for --dir");
  DriverLock lock(folder);
  launcher::writeFileAtomically(folder.specCopy(), spec.text);
  Driver driver(options, std::move(spec), std::move(pool));
  return driver.run();
}

}  // namespace cohort::sweep_tool
