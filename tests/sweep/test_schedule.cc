// The driver's scheduling decisions (schedule.h), alone.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "sweep/schedule.h"

namespace cohort::sweep_tool {
namespace {

using sweep::TrialState;

TrialRecords trials(const std::vector<TrialState>& states) {
  TrialRecords out;
  for (size_t i = 0; i < states.size(); ++i) {
    sweep::TrialRecord t;
    t.id = static_cast<int64_t>(i) + 1;
    t.state = states[i];
    out[t.id] = t;
  }
  return out;
}

TEST(Schedule, QueuedPausedAndCompletedTrials) {
  const auto t = trials({TrialState::kCut, TrialState::kPaused, TrialState::kQueued,
                         TrialState::kQueued, TrialState::kPaused});
  EXPECT_EQ(nextQueued(t), 3);
  EXPECT_EQ(pausedTrials(t), (std::vector<int64_t>{2, 5}));
  EXPECT_FALSE(anyCompleted(t));
  EXPECT_TRUE(anyCompleted(trials({TrialState::kFailed, TrialState::kCompleted})));
  EXPECT_FALSE(nextQueued(trials({TrialState::kRunning})));
}

TEST(Schedule, TheBudgetIsSpentWhenNothingMayStart) {
  sweep::Limits limits;
  limits.maxTrials = 3;
  const auto running = trials({TrialState::kRunning, TrialState::kPaused});
  EXPECT_FALSE(budgetSpent(running, 2, limits, false));  // a third trial may be made
  EXPECT_TRUE(budgetSpent(running, 2, limits, true));    // the grid has no more points
  EXPECT_TRUE(budgetSpent(running, 3, limits, false));   // paused trials do not count
  EXPECT_FALSE(budgetSpent(trials({TrialState::kQueued}), 3, limits, false));
}

TEST(Schedule, FreeHostsInThePoolsOrder) {
  const std::vector<std::string> pool = {"h1", "h2", "h3", "h4"};
  EXPECT_EQ(freeHosts({}, {}, 2), std::vector<std::string>{});  // on this machine
  EXPECT_EQ(freeHosts(pool, {"h1", "h3"}, 2), (std::vector<std::string>{"h2", "h4"}));
  EXPECT_EQ(freeHosts(pool, {}, 1), std::vector<std::string>{"h1"});
  EXPECT_FALSE(freeHosts(pool, {"h1", "h2", "h3"}, 2));
}

TEST(Schedule, TheLastPromotionIsTheHighestRungThenTheBestValue) {
  auto series = [](std::vector<std::vector<double>> values) {
    std::vector<sweep::TrialSeries> out;
    for (size_t i = 0; i < values.size(); ++i) {
      sweep::TrialSeries s;
      s.trial = static_cast<int64_t>(i) + 1;
      for (size_t k = 0; k < values[i].size(); ++k)
        s.points.push_back({static_cast<int64_t>(k) + 1, values[i][k]});
      out.push_back(s);
    }
    return out;
  };
  const auto s = series({{0.9}, {0.1, 0.2, 0.3}, {0.5, 0.6, 0.4}, {0.1, 0.2, 0.3}});
  EXPECT_EQ(lastPromotion({1, 2, 3, 4}, s, sweep::Goal::kMaximize), 3);
  EXPECT_EQ(lastPromotion({1, 2, 3, 4}, s, sweep::Goal::kMinimize), 2);  // 4 ties: the lower id
  EXPECT_EQ(lastPromotion({1}, s, sweep::Goal::kMaximize), 1);
  // A finite value beats NaN at the same rung.
  const auto n = series({{0.5, std::nan("")}, {0.1, 0.2}});
  EXPECT_EQ(lastPromotion({1, 2}, n, sweep::Goal::kMaximize), 2);
}

}  // namespace
}  // namespace cohort::sweep_tool
