// The early-termination policies on hand-made metric series, each number
// worked out by hand, for both goals: HyperDrive's bandit example (best
// 0.8, slack_factor 0.2, cut below 0.8 / 1.2), median stopping, truncation
// selection and ASHA's rungs, pauses and promotions.
#include <gtest/gtest.h>

#include <cmath>

#include "cohort/sweep/policy.h"

namespace cohort::sweep {
namespace {

TrialSeries series(int64_t trial, std::vector<double> values, bool finished = false) {
  TrialSeries s;
  s.trial = trial;
  s.finished = finished;
  for (size_t i = 0; i < values.size(); ++i)
    s.points.push_back({static_cast<int64_t>(10 * (i + 1)), values[i]});
  return s;
}

PolicySpec bandit(double factor, double amount, int64_t interval = 1, int64_t delay = 0) {
  PolicySpec p;
  p.kind = PolicyKind::kBandit;
  p.slackFactor = factor;
  p.slackAmount = amount;
  p.evaluationInterval = interval;
  p.delayEvaluation = delay;
  return p;
}

Action act(const PolicySpec& spec, Goal goal, const std::vector<TrialSeries>& trials,
           int64_t trial) {
  return makePolicy(spec, goal)->decide(trials, trial).action;
}

TEST(BanditPolicy, HyperDrivesExample) {
  // Best 0.8 at the interval, slack_factor 0.2: below 0.8 / 1.2 = 0.6667 is cut.
  const std::vector<TrialSeries> trials = {series(1, {0.8}), series(2, {0.65}), series(3, {0.67})};
  const auto policy = makePolicy(bandit(0.2, 0), Goal::kMaximize);
  const Decision cut = policy->decide(trials, 2);
  EXPECT_EQ(cut.action, Action::kStop);
  EXPECT_EQ(cut.interval, 1);
  EXPECT_NEAR(cut.threshold, 0.8 / 1.2, 1e-12);
  EXPECT_DOUBLE_EQ(cut.value, 0.65);
  EXPECT_NE(cut.reason.find("0.65 < 0.8 / (1 + 0.2) = 0.666667 (best: trial 1)"), std::string::npos)
      << cut.reason;
  EXPECT_EQ(policy->decide(trials, 3).action, Action::kContinue);
  EXPECT_EQ(policy->decide(trials, 1).action, Action::kContinue);
}

TEST(BanditPolicy, MinimizeAndSlackAmount) {
  // Minimize, best 1.0, slack_factor 0.2: above 1.2 is cut.
  std::vector<TrialSeries> t = {series(1, {1.0}), series(2, {1.25}), series(3, {1.19})};
  EXPECT_EQ(act(bandit(0.2, 0), Goal::kMinimize, t, 2), Action::kStop);
  EXPECT_EQ(act(bandit(0.2, 0), Goal::kMinimize, t, 3), Action::kContinue);
  // Maximize, best 0.8, slack_amount 0.1: below 0.7 is cut.
  t = {series(1, {0.8}), series(2, {0.69}), series(3, {0.71})};
  EXPECT_EQ(act(bandit(0, 0.1), Goal::kMaximize, t, 2), Action::kStop);
  EXPECT_EQ(act(bandit(0, 0.1), Goal::kMaximize, t, 3), Action::kContinue);
  // Minimize, best 0.5, slack_amount 0.1: above 0.6 is cut.
  t = {series(1, {0.5}), series(2, {0.61}), series(3, {0.59})};
  EXPECT_EQ(act(bandit(0, 0.1), Goal::kMinimize, t, 2), Action::kStop);
  EXPECT_EQ(act(bandit(0, 0.1), Goal::kMinimize, t, 3), Action::kContinue);
}

TEST(BanditPolicy, UsesBestSoFarAndOnlyWhatWasKnownAtTheInterval) {
  // The trial's best over 1..3 is 0.75 > 0.6667, though its latest 0.6 is not.
  std::vector<TrialSeries> t = {series(1, {0.8, 0.8, 0.8}), series(2, {0.5, 0.75, 0.6})};
  EXPECT_EQ(act(bandit(0.2, 0), Goal::kMaximize, t, 2), Action::kContinue);
  // Trial 1's 0.9 at interval 3 does not count at interval 2: best 0.5, limit 0.4167.
  t = {series(1, {0.5, 0.5, 0.9}), series(2, {0.45, 0.44})};
  EXPECT_EQ(act(bandit(0.2, 0), Goal::kMaximize, t, 2), Action::kContinue);
  t[1] = series(2, {0.45, 0.44, 0.44});  // at interval 3 it is: limit 0.75
  EXPECT_EQ(act(bandit(0.2, 0), Goal::kMaximize, t, 2), Action::kStop);
  // A NaN is worse than anything.
  t = {series(1, {0.8}), series(2, {std::nan("")})};
  EXPECT_EQ(act(bandit(0.2, 0), Goal::kMaximize, t, 2), Action::kStop);
  EXPECT_EQ(act(bandit(0.2, 0), Goal::kMinimize, t, 2), Action::kStop);
}

TEST(BanditPolicy, EvaluationIntervalAndDelay) {
  // evaluation_interval 2, delay_evaluation 4: judged at 4, 6, 8, ...
  const auto at = [](size_t k) {
    return std::vector<TrialSeries>{series(1, std::vector<double>(k, 0.8)),
                                    series(2, std::vector<double>(k, 0.1))};
  };
  const PolicySpec spec = bandit(0.2, 0, 2, 4);
  EXPECT_EQ(act(spec, Goal::kMaximize, at(1), 2), Action::kContinue);
  EXPECT_EQ(act(spec, Goal::kMaximize, at(2), 2),
            Action::kContinue);  // a multiple of 2, before the delay
  EXPECT_EQ(act(spec, Goal::kMaximize, at(3), 2), Action::kContinue);
  EXPECT_EQ(act(spec, Goal::kMaximize, at(4), 2), Action::kStop);
  EXPECT_EQ(act(spec, Goal::kMaximize, at(5), 2), Action::kContinue);
  EXPECT_EQ(act(spec, Goal::kMaximize, at(6), 2), Action::kStop);
}

PolicySpec median(int64_t delay = 0) {
  PolicySpec p;
  p.kind = PolicyKind::kMedian;
  p.delayEvaluation = delay;
  return p;
}

TEST(MedianPolicy, BestAgainstMedianOfRunningAverages) {
  // Running averages over 1..3: 0.4, 0.5, 0.2; median 0.4.
  std::vector<TrialSeries> t = {series(1, {0.2, 0.4, 0.6}), series(2, {0.5, 0.5, 0.5}),
                                series(3, {0.1, 0.2, 0.3}), series(4, {0.3, 0.35, 0.38}),
                                series(5, {0.3, 0.41, 0.2})};
  t.pop_back();  // decide 4 against 1, 2, 3
  const Decision d = makePolicy(median(), Goal::kMaximize)->decide(t, 4);
  EXPECT_EQ(d.action, Action::kStop);  // best 0.38 < 0.4
  EXPECT_NEAR(d.threshold, 0.4, 1e-12);
  t.back() = series(4, {0.3, 0.41, 0.2});  // best 0.41
  EXPECT_EQ(act(median(), Goal::kMaximize, t, 4), Action::kContinue);
  // Minimize: best is the smallest; 0.42 > 0.4 is cut, 0.39 is not.
  t.back() = series(4, {0.5, 0.42, 0.45});
  EXPECT_EQ(act(median(), Goal::kMinimize, t, 4), Action::kStop);
  t.back() = series(4, {0.5, 0.39, 0.45});
  EXPECT_EQ(act(median(), Goal::kMinimize, t, 4), Action::kContinue);
  // Two others: the median is the mean of 0.2 and 0.5.
  t = {series(2, {0.5, 0.5, 0.5}), series(3, {0.1, 0.2, 0.3}), series(4, {0.3, 0.34, 0.3})};
  const Decision two = makePolicy(median(), Goal::kMaximize)->decide(t, 4);
  EXPECT_NEAR(two.threshold, 0.35, 1e-12);
  EXPECT_EQ(two.action, Action::kStop);
  // Alone, or before the delay: it goes on.
  EXPECT_EQ(act(median(), Goal::kMaximize, {series(4, {0.1})}, 4), Action::kContinue);
  EXPECT_EQ(act(median(5), Goal::kMaximize, t, 4), Action::kContinue);
  // Trials that have not reached the interval do not count.
  t = {series(2, {0.9, 0.9}), series(4, {0.1, 0.1, 0.1})};
  EXPECT_EQ(act(median(), Goal::kMaximize, t, 4), Action::kContinue);
}

PolicySpec truncation(int64_t percentage, bool excludeFinished = false) {
  PolicySpec p;
  p.kind = PolicyKind::kTruncation;
  p.truncationPercentage = percentage;
  p.excludeFinished = excludeFinished;
  return p;
}

TEST(TruncationPolicy, CutsTheLowestPercentage) {
  std::vector<TrialSeries> t;
  for (int i = 1; i <= 5; ++i) t.push_back(series(i, {0.1 * i}));
  // 20% of 5 trials: the worst one.
  EXPECT_EQ(act(truncation(20), Goal::kMaximize, t, 1), Action::kStop);
  EXPECT_EQ(act(truncation(20), Goal::kMaximize, t, 2), Action::kContinue);
  EXPECT_EQ(act(truncation(20), Goal::kMinimize, t, 5), Action::kStop);
  EXPECT_EQ(act(truncation(20), Goal::kMinimize, t, 4), Action::kContinue);
  // 50% of 5: floor(2.5) = 2.
  EXPECT_EQ(act(truncation(50), Goal::kMaximize, t, 2), Action::kStop);
  EXPECT_EQ(act(truncation(50), Goal::kMaximize, t, 3), Action::kContinue);
  // 20% of 4 is 0.8: nobody.
  t.pop_back();
  EXPECT_EQ(act(truncation(20), Goal::kMaximize, t, 1), Action::kContinue);
  // Ties are kept.
  t = {series(1, {0.3}), series(2, {0.3}), series(3, {0.3}), series(4, {0.3}), series(5, {0.3})};
  EXPECT_EQ(act(truncation(20), Goal::kMaximize, t, 1), Action::kContinue);
  // exclude_finished leaves out the finished (better) ones: alone, nobody is cut.
  t = {series(1, {0.9}, true), series(2, {0.8}, true), series(3, {0.7}, true),
       series(4, {0.6}, true), series(5, {0.1})};
  EXPECT_EQ(act(truncation(20), Goal::kMaximize, t, 5), Action::kStop);
  EXPECT_EQ(act(truncation(20, true), Goal::kMaximize, t, 5), Action::kContinue);
}

PolicySpec asha(int64_t maxResource = 0) {
  PolicySpec p;
  p.kind = PolicyKind::kAsha;
  p.minResource = 1;
  p.reductionFactor = 3;
  p.maxResource = maxResource;
  return p;
}

TEST(AshaPolicy, PausesAtRungsAndPromotesLater) {
  const auto policy = makePolicy(asha(), Goal::kMaximize);
  // Rung 0 is interval 1. One trial there: top floor(1/3) = 0, it waits.
  std::vector<TrialSeries> t = {series(1, {0.3})};
  EXPECT_EQ(policy->decide(t, 1).action, Action::kPause);
  t.push_back(series(2, {0.5}));
  EXPECT_EQ(policy->decide(t, 2).action, Action::kPause);  // floor(2/3) = 0
  t.push_back(series(3, {0.9}));
  EXPECT_EQ(policy->decide(t, 3).action, Action::kContinue);  // top floor(3/3) = 1: itself
  t.push_back(series(4, {0.1}));
  EXPECT_EQ(policy->decide(t, 4).action, Action::kPause);
  EXPECT_TRUE(policy->promotions(t, {1, 2, 4}).empty());  // the top 1 is trial 3
  t.push_back(series(5, {0.2}));
  t.push_back(series(6, {0.25}));
  // Six at rung 0: the top 2 are trials 3 and 2, and 2 is waiting.
  EXPECT_EQ(policy->promotions(t, {1, 2, 4, 5, 6}), (std::vector<int64_t>{2}));
  // Minimize: the same values, the other end is good: 0.1 (trial 4) and 0.2 (trial 5).
  EXPECT_EQ(makePolicy(asha(), Goal::kMinimize)->promotions(t, {1, 2, 4, 5, 6}),
            (std::vector<int64_t>{4, 5}));
  // Interval 2 is no rung; 3 (rung 1) and 9 (rung 2) are.
  t[2] = series(3, {0.9, 0.9});
  EXPECT_EQ(policy->decide(t, 3).action, Action::kContinue);
  EXPECT_NE(policy->decide(t, 3).reason.find("not a rung"), std::string::npos);
  t[2] = series(3, {0.9, 0.9, 0.9});
  const Decision rung1 = policy->decide(t, 3);
  EXPECT_EQ(rung1.action, Action::kPause);  // alone at rung 1
  EXPECT_NE(rung1.reason.find("asha rung 1 (interval 3)"), std::string::npos) << rung1.reason;
  // With max_resource 9 the rungs are 1 and 3, and interval 9 completes the trial.
  t[2] = series(3, std::vector<double>(9, 0.9));
  EXPECT_EQ(policy->decide(t, 3).action, Action::kPause);  // rung 2 without a maximum
  EXPECT_EQ(makePolicy(asha(9), Goal::kMaximize)->decide(t, 3).action, Action::kComplete);
}

TEST(NoPolicy, AlwaysContinues) {
  EXPECT_EQ(act(PolicySpec{}, Goal::kMaximize, {series(1, {std::nan("")})}, 1), Action::kContinue);
}

}  // namespace
}  // namespace cohort::sweep
