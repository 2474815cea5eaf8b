// The sweep store: one SQLite file in the sweep folder (WAL mode, so
// `cohort-sweep status` reads while the driver writes) holding the sweep's
// spec, its trials and their states, their metric series and the policy's
// decisions. Schema in docs/sweep.md.
//
// Note [Store consistency]: every change is one transaction (BEGIN
// IMMEDIATE ... COMMIT), so a driver killed with kill -9 leaves the store as
// it was after its last commit: a trial is created with its parameters or
// not at all, a batch of metrics is there whole or not at all, a state
// change happens with its times and job id or not at all. State changes are
// checked in the same statement (UPDATE ... WHERE state IN (...)), so two
// writers cannot both move one trial. Opening the store again resumes it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cohort/sweep/enum_names.h"
#include "cohort/sweep/policy.h"
#include "cohort/sweep/space.h"
#include "cohort/sweep/sweep_spec.h"

namespace cohort::sweep {

// queued -> running -> completed | failed | cut | paused | queued (requeued);
// paused -> running (promoted) | cut. completed, failed and cut are final.
enum class TrialState { kQueued, kRunning, kPaused, kCut, kCompleted, kFailed };

// The names the store and the tables use (See Note [Enum names] in enum_names.h).
inline constexpr EnumName<TrialState> kStateNames[] = {
    {TrialState::kQueued, "queued"},       {TrialState::kRunning, "running"},
    {TrialState::kPaused, "paused"},       {TrialState::kCut, "cut"},
    {TrialState::kCompleted, "completed"}, {TrialState::kFailed, "failed"}};

const char* stateName(TrialState state);

struct TrialRecord {
  int64_t id = 0;
  Params params;
  TrialState state = TrialState::kQueued;
  std::string jobId;       // the cohortrun or Slurm job running it ("" when none)
  std::string checkpoint;  // where a paused trial resumes from
  std::optional<int64_t> exitStatus;
  std::string reason;  // why it ended (the policy's decision, the root cause)
  double created = 0, started = 0, ended = 0;  // seconds since the epoch; 0: not yet
};

// The schema this cohort writes and reads.
constexpr int64_t kStoreSchema = 1;

class SqliteDb;

class Store {
 public:
  // Opens the store at `path` for `spec`, creating it when the file does
  // not exist. Throws ConfigError for a store of a newer or unknown schema,
  // a file that is not a sweep store, or a store made for another sweep
  // (See Note [Sweep digest] in sweep_spec.h).
  static Store open(const std::string& path, const SweepSpec& spec);
  // Opens an existing store whatever its sweep, for reading only (status,
  // best and reports; a read-only folder will do).
  static Store openExisting(const std::string& path);

  Store(Store&&) noexcept;
  ~Store();

  std::string specText() const;
  std::string digest() const;

  // A new queued trial; its id (1, 2, ... in creation order).
  int64_t addTrial(const Params& params);
  // queued or paused -> running, under job `jobId`.
  void start(int64_t trial, const std::string& jobId);
  // running -> paused, to resume from `checkpoint`.
  void pause(int64_t trial, const std::string& checkpoint);
  // running -> queued: a restarted driver could not reattach to its job.
  void requeue(int64_t trial);
  // running or paused -> completed, failed or cut.
  void finish(int64_t trial, TrialState end, std::optional<int64_t> exitStatus,
              const std::string& reason);

  // Metric points of one trial, in one transaction; a step reported again
  // (a trial resumed from a checkpoint) replaces the earlier value.
  void addMetrics(int64_t trial, const std::vector<MetricPoint>& points);
  // A policy's decision about a trial.
  void addDecision(int64_t trial, const std::string& policy, const Decision& decision);

  std::vector<TrialRecord> trials() const;
  TrialRecord trial(int64_t id) const;
  // Every trial's series in step order (finished: completed, cut or failed).
  std::vector<TrialSeries> series() const;
  int64_t decisionCount(int64_t trial) const;

 private:
  explicit Store(std::unique_ptr<SqliteDb> db);
  // Throws: the trial is not in a state `from` allows to `what`.
  [[noreturn]] void refuseMove(int64_t trial, const std::string& from,
                               const std::string& what) const;

  std::unique_ptr<SqliteDb> db_;
};

}  // namespace cohort::sweep
