// The sweep store (store.h) on a real SQLite file in a temporary folder:
// trials, states and metrics round-trip; a newer schema, a foreign file and
// another sweep's store are refused; two writer processes lose no row; a
// writer killed with SIGKILL mid-stream leaves whole batches and a store
// that opens again.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "cohort/core/error.h"
#include "cohort/sweep/store.h"
#include "cohort/sweep/sweep_file.h"

namespace cohort::sweep {
namespace {

namespace fs = std::filesystem;

SweepSpec spec(uint64_t seed = 1) {
  return parseSweep(
      "program: ./p\nmetric: {name: loss, goal: minimize}\n"
      "space:\n  lr: {type: uniform, low: 0.1, high: 0.2}\n"
      "sampler: {type: random, seed: " +
          std::to_string(seed) + "}\nlimits: {max_trials: 4}\n",
      "sweep.yaml");
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/cohort-sweep-store-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    folder_ = pattern;
    path_ = folder_ + "/sweep.db";
  }
  void TearDown() override { fs::remove_all(folder_); }

  void sql(const std::string& statement) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, statement.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }

  std::string refusal(const SweepSpec& s) {
    try {
      Store::open(path_, s);
    } catch (const ConfigError& e) {
      EXPECT_FALSE(e.hint().empty());
      return e.what();
    }
    return "";
  }

  std::string folder_, path_;
};

TEST_F(StoreTest, TrialsStatesAndMetricsRoundTrip) {
  {
    Store store = Store::open(path_, spec());
    EXPECT_EQ(store.addTrial({{"lr", 0.15}}), 1);
    EXPECT_EQ(store.addTrial({{"lr", 0.11}}), 2);
    store.start(1, "job-7");
    store.addMetrics(1, {{10, 0.5}, {20, 0.4}, {30, std::nan("")}});
    store.addMetrics(1, {{20, 0.35}});  // a resumed trial reports step 20 again
    store.pause(1, "outputs/checkpoints/step-00000020");
    store.start(1, "job-8");  // promoted
    Decision d;
    d.action = Action::kStop;
    d.interval = 3;
    d.value = 0.6;
    d.threshold = 0.48;
    d.reason = "bandit: ...";
    store.addDecision(1, "bandit", d);
    store.finish(1, TrialState::kCut, 143, d.reason);
    EXPECT_THROW(store.start(1, "again"), Error);  // cut is final
    EXPECT_THROW(store.pause(2, "x"), Error);      // queued, not running
    EXPECT_THROW(store.finish(99, TrialState::kFailed, 1, ""), Error);
  }
  // Opening again resumes.
  Store store = Store::open(path_, spec());
  EXPECT_EQ(store.digest(), digestOf(spec()));
  EXPECT_NE(store.specText().find("program: ./p"), std::string::npos);
  const auto trials = store.trials();
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_EQ(trials[0].state, TrialState::kCut);
  EXPECT_EQ(trials[0].jobId, "job-8");
  EXPECT_EQ(trials[0].checkpoint, "outputs/checkpoints/step-00000020");
  EXPECT_EQ(trials[0].exitStatus, 143);
  EXPECT_EQ(trials[0].reason, "bandit: ...");
  EXPECT_GT(trials[0].ended, 0);
  EXPECT_DOUBLE_EQ(trials[0].params["lr"].get<double>(), 0.15);
  EXPECT_EQ(trials[1].state, TrialState::kQueued);
  EXPECT_FALSE(trials[1].exitStatus.has_value());
  EXPECT_EQ(store.decisionCount(1), 1);
  const auto series = store.series();
  ASSERT_EQ(series.size(), 2u);
  EXPECT_TRUE(series[0].finished);
  ASSERT_EQ(series[0].points.size(), 3u);
  EXPECT_DOUBLE_EQ(series[0].points[1].value, 0.35);
  EXPECT_TRUE(std::isnan(series[0].points[2].value));  // NaN survives (as NULL)
  EXPECT_TRUE(series[1].points.empty());
  store.start(2, "job-9");
  store.requeue(2);
  EXPECT_EQ(store.trial(2).state, TrialState::kQueued);
  // WAL mode.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, nullptr);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), "wal");
  sqlite3_finalize(s);
  sqlite3_close(db);
}

TEST_F(StoreTest, RefusesOtherSweepsNewerSchemasAndForeignFiles) {
  { Store::open(path_, spec(1)); }
  std::string m = refusal(spec(2));
  EXPECT_NE(m.find("belongs to another sweep"), std::string::npos) << m;
  // Raising a limit is the same sweep.
  SweepSpec more = spec(1);
  more.limits.maxTrials = 40;
  EXPECT_EQ(refusal(more), "");
  sql("PRAGMA user_version = 2");
  m = refusal(spec(1));
  EXPECT_NE(m.find("has store schema 2; this cohort-sweep reads schema 1 (the store is newer)"),
            std::string::npos)
      << m;
  fs::remove(path_);
  sql("CREATE TABLE other (x INTEGER)");
  m = refusal(spec(1));
  EXPECT_NE(m.find("not a sweep store"), std::string::npos) << m;
  EXPECT_THROW(Store::openExisting(folder_ + "/absent.db"), ConfigError);
}

// Runs `body` in a child process; its exit status.
template <typename Body>
pid_t child(Body body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    try {
      body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child: %s\n", e.what());
      ::_exit(1);
    }
    ::_exit(0);
  }
  return pid;
}

TEST_F(StoreTest, TwoWriterProcessesLoseNoRow) {
  { Store::open(path_, spec()); }
  std::vector<pid_t> pids;
  for (int w = 0; w < 2; ++w) {
    pids.push_back(child([&, w] {
      Store store = Store::open(path_, spec());  // each process its own connection
      for (int i = 0; i < 100; ++i) {
        const int64_t id = store.addTrial({{"lr", 0.1 + w * 0.01}, {"i", i}});
        store.addMetrics(id, {{1, 0.5}, {2, 0.4}, {3, 0.3}});
        store.start(id, "w" + std::to_string(w));
        store.finish(id, TrialState::kCompleted, 0, "");
      }
    }));
  }
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }
  Store store = Store::openExisting(path_);
  const auto trials = store.trials();
  EXPECT_EQ(trials.size(), 200u);
  for (const auto& t : trials) EXPECT_EQ(t.state, TrialState::kCompleted) << t.id;
  size_t points = 0;
  for (const auto& s : store.series()) points += s.points.size();
  EXPECT_EQ(points, 600u);
}

TEST_F(StoreTest, KillNineLeavesWholeBatchesAndTheStoreOpens) {
  int64_t trial = 0;
  {
    Store store = Store::open(path_, spec());
    trial = store.addTrial({{"lr", 0.12}});
    store.start(trial, "job");
  }
  const pid_t pid = child([&] {
    Store store = Store::open(path_, spec());
    for (int64_t batch = 0;; ++batch) {
      std::vector<MetricPoint> points;
      for (int64_t i = 0; i < 10; ++i) points.push_back({batch * 10 + i, 0.5});
      store.addMetrics(trial, points);
    }
  });
  // Let it write, then kill it wherever it is.
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));
  Store store = Store::open(path_, spec());
  const auto series = store.series();
  ASSERT_EQ(series.size(), 1u);
  const size_t n = series[0].points.size();
  EXPECT_GT(n, 0u);
  EXPECT_EQ(n % 10, 0u) << n;  // no half batch
  for (size_t i = 0; i < n; ++i) EXPECT_EQ(series[0].points[i].step, static_cast<int64_t>(i));
  EXPECT_EQ(store.trial(trial).state,
            TrialState::kRunning);  // the driver reattaches or requeues it
  store.requeue(trial);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, nullptr);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), "ok");
  sqlite3_finalize(s);
  sqlite3_close(db);
}

}  // namespace
}  // namespace cohort::sweep
