// How an ended trial is settled (trial_outcome.h), a row of docs/sweep.md's
// "Ends of a trial" table at a time.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "cohort/sweep/sweep_file.h"
#include "sweep/trial_outcome.h"

namespace cohort::sweep_tool {
namespace {

using sweep::TrialState;

sweep::SweepSpec spec(const char* goal = "maximize") {
  return sweep::parseSweep(std::string("program: ./t\nmetric: {name: acc, goal: ") + goal +
                               "}\nspace:\n  x: {type: uniform, low: 0, high: 1}\n"
                               "limits: {max_trials: 4, trial_timeout: 60}\n",
                           "s.yaml");
}

TrialEnd exited(int status, std::vector<double> values) {
  TrialEnd e;
  e.job.known = true;
  e.job.exit_status = status;
  for (size_t i = 0; i < values.size(); ++i) e.points.push_back({int64_t(i) + 1, values[i]});
  e.logs = "T/logs";
  e.outputs = "T/outputs";
  return e;
}

StopRequest stopped(sweep::Action action, const std::string& reason) {
  StopRequest s;
  s.action = action;
  s.decision.reason = reason;
  return s;
}

TEST(TrialOutcome, ExitZeroWithAFinitePointCompletes) {
  const auto o = settleTrial(exited(0, {0.5, 0.75}), spec());
  EXPECT_EQ(o.state, TrialState::kCompleted);
  EXPECT_EQ(o.note, "completed, acc 0.75");
}

TEST(TrialOutcome, ALastPointThatIsNotFiniteFails) {
  const double nan = std::nan(""), inf = std::numeric_limits<double>::infinity();
  auto o = settleTrial(exited(0, {0.5, nan}), spec());
  EXPECT_EQ(o.state, TrialState::kFailed);
  EXPECT_NE(o.reason.find("its last acc (step 2) is NaN: the metric diverged"), std::string::npos)
      << o.reason;
  o = settleTrial(exited(0, {0.5, inf}), spec());
  EXPECT_EQ(o.state, TrialState::kFailed);
  EXPECT_NE(o.reason.find("+Infinity, which is out of the metric's sense"), std::string::npos);
  o = settleTrial(exited(0, {0.5, -inf}), spec("minimize"));
  EXPECT_NE(o.reason.find("-Infinity, which is out of the metric's sense"), std::string::npos);
  o = settleTrial(exited(0, {0.5, -inf}), spec());  // maximizing: the worst, diverged
  EXPECT_NE(o.reason.find("-Infinity: the metric diverged"), std::string::npos) << o.reason;
  // An earlier NaN does not matter: the last point is the value.
  EXPECT_EQ(settleTrial(exited(0, {nan, 0.5}), spec()).state, TrialState::kCompleted);
  // asha's max_resource completes a trial, unless its value is not finite.
  auto e = exited(143, {0.5, nan});
  e.stop = stopped(sweep::Action::kComplete, "asha: max_resource");
  EXPECT_EQ(settleTrial(e, spec()).state, TrialState::kFailed);
  e.points.back().value = 0.9;
  EXPECT_EQ(settleTrial(e, spec()).state, TrialState::kCompleted);
}

TEST(TrialOutcome, TheDriversStopDecides) {
  auto e = exited(143, {0.5});
  e.stop = stopped(sweep::Action::kStop, "median: below 0.7");
  auto o = settleTrial(e, spec());
  EXPECT_EQ(o.state, TrialState::kCut);
  EXPECT_EQ(o.reason, "median: below 0.7");
  e.stop = stopped(sweep::Action::kPause, "asha: rung 1");
  o = settleTrial(e, spec());
  EXPECT_EQ(o.state, TrialState::kPaused);
  EXPECT_EQ(o.note, "paused, to resume from T/outputs");
  e.failure = "T/logs/metrics.jsonl is a named pipe (FIFO), not a regular file";
  EXPECT_EQ(settleTrial(e, spec()).state, TrialState::kFailed);  // a failure counts over a stop
}

TEST(TrialOutcome, FailuresNameTheirCause) {
  auto o = settleTrial(exited(0, {}), spec());
  EXPECT_EQ(o.state, TrialState::kFailed);
  EXPECT_NE(o.reason.find("it exited 0 but never reported acc in T/logs/metrics.jsonl"),
            std::string::npos);
  EXPECT_EQ(settleTrial(exited(124, {0.5}), spec()).reason, "limits.trial_timeout (60 s) ran out");
  auto e = exited(1, {0.5});
  e.job.root_cause = "rank 0 on h1 exited with code 1";
  EXPECT_EQ(settleTrial(e, spec()).reason, "rank 0 on h1 exited with code 1");
  e.job.root_cause.clear();
  EXPECT_EQ(settleTrial(e, spec()).reason, "cohortrun exited 1");
}

TEST(TrialOutcome, AJobWithoutARecordOrAnotherAllocationIsRequeued) {
  TrialEnd e = exited(0, {0.5});
  e.job.known = false;
  EXPECT_EQ(settleTrial(e, spec()).state, TrialState::kQueued);
  e = exited(137, {0.5});
  e.job.slurm_job_id = "41";
  e.allocation = "42";
  const auto o = settleTrial(e, spec());
  EXPECT_EQ(o.state, TrialState::kQueued);
  EXPECT_NE(o.note.find("its allocation (Slurm job 41) ended under it; requeued"),
            std::string::npos);
  e.allocation = "41";  // its own allocation: the trial failed
  EXPECT_EQ(settleTrial(e, spec()).state, TrialState::kFailed);
}

}  // namespace
}  // namespace cohort::sweep_tool
