// A trial's lifecycle (cohort/sweep/trial_lifecycle.h): how an ended trial
// is settled, a row of docs/sweep.md's "Ends of a trial" table at a time, and
// every other transition of Note [Trial lifecycle], refusals included.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "cohort/core/error.h"
#include "cohort/sweep/sweep_file.h"
#include "cohort/sweep/trial_lifecycle.h"

namespace cohort::sweep {
namespace {

SweepSpec lifecycleSpec(const char* goal = "maximize") {
  return parseSweep(std::string("program: ./t\nmetric: {name: acc, goal: ") + goal +
                        "}\nspace:\n  x: {type: uniform, low: 0, high: 1}\n"
                        "limits: {max_trials: 4, trial_timeout: 60}\n",
                    "s.yaml");
}

TrialEnd exited(int status, std::vector<double> values) {
  TrialEnd e;
  e.job.known = true;
  e.job.exit_status = status;
  for (size_t i = 0; i < values.size(); ++i) e.points.push_back({int64_t(i) + 1, values[i]});
  e.metrics = "T/logs/metrics.jsonl";
  e.outputs = "T/outputs";
  return e;
}

StopRequest stopped(Action action, const std::string& reason) {
  StopRequest s;
  s.action = action;
  s.decision.reason = reason;
  return s;
}

TEST(TrialOutcome, ExitZeroWithAFinitePointCompletes) {
  const auto o = settleTrial(exited(0, {0.5, 0.75}), lifecycleSpec());
  EXPECT_EQ(o.state, TrialState::kCompleted);
  EXPECT_EQ(o.note, "completed, acc 0.75");
}

TEST(TrialOutcome, ALastPointThatIsNotFiniteFails) {
  const double nan = std::nan(""), inf = std::numeric_limits<double>::infinity();
  auto o = settleTrial(exited(0, {0.5, nan}), lifecycleSpec());
  EXPECT_EQ(o.state, TrialState::kFailed);
  EXPECT_NE(o.reason.find("its last acc (step 2) is NaN: the metric diverged"), std::string::npos)
      << o.reason;
  o = settleTrial(exited(0, {0.5, inf}), lifecycleSpec());
  EXPECT_EQ(o.state, TrialState::kFailed);
  EXPECT_NE(o.reason.find("+Infinity, which is out of the metric's sense"), std::string::npos);
  o = settleTrial(exited(0, {0.5, -inf}), lifecycleSpec("minimize"));
  EXPECT_NE(o.reason.find("-Infinity, which is out of the metric's sense"), std::string::npos);
  o = settleTrial(exited(0, {0.5, -inf}), lifecycleSpec());  // maximizing: the worst, diverged
  EXPECT_NE(o.reason.find("-Infinity: the metric diverged"), std::string::npos) << o.reason;
  // An earlier NaN does not matter: the last point is the value.
  EXPECT_EQ(settleTrial(exited(0, {nan, 0.5}), lifecycleSpec()).state, TrialState::kCompleted);
  // asha's max_resource completes a trial, unless its value is not finite.
  auto e = exited(143, {0.5, nan});
  e.stop = stopped(Action::kComplete, "asha: max_resource");
  EXPECT_EQ(settleTrial(e, lifecycleSpec()).state, TrialState::kFailed);
  e.points.back().value = 0.9;
  EXPECT_EQ(settleTrial(e, lifecycleSpec()).state, TrialState::kCompleted);
}

TEST(TrialOutcome, TheDriversStopDecides) {
  auto e = exited(143, {0.5});
  e.stop = stopped(Action::kStop, "median: below 0.7");
  auto o = settleTrial(e, lifecycleSpec());
  EXPECT_EQ(o.state, TrialState::kCut);
  EXPECT_EQ(o.reason, "median: below 0.7");
  e.stop = stopped(Action::kPause, "asha: rung 1");
  o = settleTrial(e, lifecycleSpec());
  EXPECT_EQ(o.state, TrialState::kPaused);
  EXPECT_EQ(o.note, "paused, to resume from T/outputs");
  e.failure = "T/logs/metrics.jsonl is a named pipe (FIFO), not a regular file";
  EXPECT_EQ(settleTrial(e, lifecycleSpec()).state,
            TrialState::kFailed);  // a failure counts over a stop
}

TEST(TrialOutcome, FailuresNameTheirCause) {
  auto o = settleTrial(exited(0, {}), lifecycleSpec());
  EXPECT_EQ(o.state, TrialState::kFailed);
  EXPECT_NE(o.reason.find("it exited 0 but never reported acc in T/logs/metrics.jsonl"),
            std::string::npos);
  EXPECT_EQ(settleTrial(exited(124, {0.5}), lifecycleSpec()).reason,
            "limits.trial_timeout (60 s) ran out");
  auto e = exited(1, {0.5});
  e.job.root_cause = "rank 0 on h1 exited with code 1";
  EXPECT_EQ(settleTrial(e, lifecycleSpec()).reason, "rank 0 on h1 exited with code 1");
  e.job.root_cause.clear();
  EXPECT_EQ(settleTrial(e, lifecycleSpec()).reason, "cohortrun exited 1");
}

TEST(TrialOutcome, AJobWithoutARecordOrAnotherAllocationIsRequeued) {
  TrialEnd e = exited(0, {0.5});
  e.job.known = false;
  EXPECT_EQ(settleTrial(e, lifecycleSpec()).state, TrialState::kQueued);
  e = exited(137, {0.5});
  e.job.slurm_job_id = "41";
  e.allocation = "42";
  const auto o = settleTrial(e, lifecycleSpec());
  EXPECT_EQ(o.state, TrialState::kQueued);
  EXPECT_NE(o.note.find("its allocation (Slurm job 41) ended under it; requeued"),
            std::string::npos);
  e.allocation = "41";  // its own allocation: the trial failed
  EXPECT_EQ(settleTrial(e, lifecycleSpec()).state, TrialState::kFailed);
}

TEST(TrialLifecycle, APrunedTrialIsCutWhateverItExitedWith) {
  // The policy cut it: cohortrun's SIGTERM makes it exit 143, or it ended
  // on its own (0, 1) before the signal arrived; it is cut all the same.
  for (int status : {143, 137, 1, 0}) {
    auto e = exited(status, {0.5, 0.4});
    e.stop = stopped(Action::kStop, "bandit: 0.4 below 0.6");
    const auto o = settleTrial(e, lifecycleSpec());
    EXPECT_EQ(o.state, TrialState::kCut) << status;
    EXPECT_EQ(o.reason, "bandit: 0.4 below 0.6");
    EXPECT_EQ(o.note, "cut");
  }
  // Paused, it waits to be promoted even when its job exited non-zero.
  auto e = exited(143, {0.5});
  e.stop = stopped(Action::kPause, "asha: rung 1");
  EXPECT_EQ(settleTrial(e, lifecycleSpec()).state, TrialState::kPaused);
}

TEST(TrialLifecycle, ATrialKilledBySignalFailsWithItsRootCause) {
  auto e = exited(128 + 9, {0.5});  // cohortrun itself killed: SIGKILL
  auto o = settleTrial(e, lifecycleSpec());
  EXPECT_EQ(o.state, TrialState::kFailed);
  EXPECT_EQ(o.reason, "cohortrun exited 137");
  EXPECT_EQ(o.note, "failed: cohortrun exited 137");
  // A rank killed by a signal: cohortrun names it.
  e.job.exit_status = 139;
  e.job.root_cause = "rank 1 on h2 killed by signal 11 (SIGSEGV)";
  o = settleTrial(e, lifecycleSpec());
  EXPECT_EQ(o.state, TrialState::kFailed);
  EXPECT_EQ(o.reason, "rank 1 on h2 killed by signal 11 (SIGSEGV)");
}

TEST(TrialLifecycle, TheSweepStoppingRequeuesTheTrialsItDidNotStopItself) {
  auto e = exited(143, {0.5});
  e.sweep_stopping = true;
  auto o = settleTrial(e, lifecycleSpec());
  EXPECT_EQ(o.state, TrialState::kQueued);
  EXPECT_EQ(o.note, "stopped with the sweep; requeued");
  EXPECT_EQ(o.reason, "");
  // Even one that had just completed: a later `run` runs it again.
  e = exited(0, {0.5});
  e.sweep_stopping = true;
  EXPECT_EQ(settleTrial(e, lifecycleSpec()).state, TrialState::kQueued);
  // A trial the driver stopped or failed is settled as that.
  e.stop = stopped(Action::kStop, "median: below 0.7");
  EXPECT_EQ(settleTrial(e, lifecycleSpec()).state, TrialState::kCut);
  e.stop.reset();
  e.failure = "T/logs/metrics.jsonl is a socket, not a regular file";
  EXPECT_EQ(settleTrial(e, lifecycleSpec()).state, TrialState::kFailed);
}

TEST(TrialLifecycle, OnlyQueuedAndPausedTrialsStartAndAResumeIsSaid) {
  TrialRecord t;
  t.id = 3;
  t.state = TrialState::kQueued;
  EXPECT_FALSE(startResumes(t));  // never ran: a fresh start
  t.started = 1714567890.5;
  EXPECT_TRUE(startResumes(t));  // requeued after it ran: resumes from its outputs
  t.state = TrialState::kPaused;
  EXPECT_TRUE(startResumes(t));  // promoted
  t.started = 0;
  EXPECT_TRUE(startResumes(t));  // paused: always from its outputs, whatever its times say
  for (TrialState s :
       {TrialState::kRunning, TrialState::kCompleted, TrialState::kFailed, TrialState::kCut}) {
    t.state = s;
    try {
      startResumes(t);
      ADD_FAILURE() << stateName(s) << " started";
    } catch (const Error& e) {
      EXPECT_EQ(e.detail(), std::string("trial 3 is ") + stateName(s) +
                                ": only a queued or paused trial starts");
    }
  }
}

TEST(TrialLifecycle, ThePolicysWordStopsPausesOrCompletes) {
  Decision d;
  d.action = Action::kContinue;
  EXPECT_FALSE(stopFor(d));
  EXPECT_FALSE(worthRecording(d));  // nothing compared: not stored
  d.threshold = 0.6;
  EXPECT_TRUE(worthRecording(d));  // compared with a threshold: stored
  for (Action a : {Action::kStop, Action::kPause, Action::kComplete}) {
    d.action = a;
    d.reason = std::string(actionName(a)) + " at interval 3";
    d.threshold = std::nan("");
    const auto stop = stopFor(d);
    ASSERT_TRUE(stop);
    EXPECT_EQ(stop->action, a);
    EXPECT_EQ(stop->decision.reason, d.reason);
    EXPECT_TRUE(worthRecording(d));
  }
}

TEST(TrialLifecycle, TheSweepsTimeoutCutsEveryRunningTrial) {
  const StopRequest stop = timeoutStop(90);
  EXPECT_EQ(stop.action, Action::kStop);
  EXPECT_EQ(stop.decision.action, Action::kStop);
  EXPECT_EQ(stop.decision.reason, "limits.timeout: the sweep's 90 s ran out");
  auto e = exited(143, {0.5});
  e.stop = stop;
  const auto o = settleTrial(e, lifecycleSpec());
  EXPECT_EQ(o.state, TrialState::kCut);
  EXPECT_EQ(o.reason, "limits.timeout: the sweep's 90 s ran out");
}

TEST(TrialLifecycle, ALostJobIsRequeuedAndAnUnpromotedTrialCut) {
  auto o = lostJob("local:4242:1234");
  EXPECT_EQ(o.state, TrialState::kQueued);
  EXPECT_EQ(o.note, "its job local:4242:1234 is gone; requeued");
  o = unpromoted(3);
  EXPECT_EQ(o.state, TrialState::kCut);
  EXPECT_EQ(o.reason, "asha: paused at interval 3 and not promoted before the sweep ended");
  EXPECT_EQ(o.note, "cut (asha: paused at interval 3 and not promoted before the sweep ended)");
}

}  // namespace
}  // namespace cohort::sweep
