// The sweep folder (docs/sweep.md, "Running a sweep"): every path in it is
// made here, and everyone (the driver, the commands, the report, the tests)
// asks for them:
//
//   sweep.db          the store (cohort/sweep/store.h)
//   sweep.yaml        the sweep file as run
//   driver.lock       held by the one driver that runs the sweep
//   driver.log        every start, decision and end
//   report.html       `cohort-sweep report`'s default output
//   registered.json   the best trial and the version it was registered as
//   trials/NNNNN/     one folder per trial (TrialFolder)
//
// The layout is cohort-sweep's: the library's store is handed its path, and
// the trial lifecycle (cohort/sweep/trial_lifecycle.h) only names the paths
// it is given, so the layout stays with the tool that makes the folder.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cohort/core/file_io.h"

namespace cohort::sweep_tool {

// Every path of trial N's folder, SWEEP/trials/NNNNN/ (trial_job.h).
struct TrialFolder {
  std::string dir;      // SWEEP/trials/00007
  std::string outputs;  // dir/outputs: cohortrun's --outputs
  std::string logs;     // dir/logs: cohortrun's --logs
  std::string console;  // dir/cohortrun.log: cohortrun's own console
  std::string stop;     // dir/stop.json: why the driver stopped it (stop_request.h)
  std::string metrics;  // logs/metrics.jsonl: the points the trial reports
  std::string record;   // logs/trial.json: the sweep, the trial and its parameters
  std::string model;    // outputs/model: the model it leaves (what is registered)
};

class SweepFolder {
 public:
  explicit SweepFolder(std::string dir);

  const std::string& dir() const { return dir_; }
  std::string store() const;       // sweep.db
  std::string specCopy() const;    // sweep.yaml
  std::string lock() const;        // driver.lock
  std::string log() const;         // driver.log
  std::string report() const;      // report.html
  std::string registered() const;  // registered.json
  std::string trials() const;      // trials
  TrialFolder trial(int64_t id) const;

  // The store, which must be there (else a ConfigError saying what to run).
  std::string existingStore() const;

  // True when the folder has no store yet, or an empty file in its place.
  bool storeIsNew() const;

  // Refuses a folder whose trials/ holds trials its store does not know: a
  // new trial N would take the old trial N's folder and resume from its
  // checkpoint. With `known_trials` 0 (a new store: sweep.db missing or
  // empty), any entry of trials/ is refused; else a trial folder numbered
  // above `known_trials` is. A ConfigError names the folder and what to do.
  void refuseOrphanTrials(int64_t known_trials) const;

  // The sweep's id, for COHORT_SWEEP_ID and the trials' run ids: the folder's
  // name (letters, digits, '-', '_', '.' kept, others '_') and the first 8
  // digits of the digest.
  std::string sweepId(const std::string& digest) const;

  // The trial a name in trials/ stands for: the number a TrialFolder is
  // named by ("00007" is 7), or nullopt for another name.
  static std::optional<int64_t> trialNumber(const std::string& name);

 private:
  std::string dir_;
};

// Holds the folder's driver.lock (flock) for as long as it lives: a second
// driver on the same folder is refused with a ConfigError naming the first
// one's pid.
class DriverLock {
 public:
  explicit DriverLock(const SweepFolder& folder);

 private:
  UniqueFd fd_;
};

}  // namespace cohort::sweep_tool
