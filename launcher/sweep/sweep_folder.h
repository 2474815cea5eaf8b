// The sweep folder: sweep.db (the store), sweep.yaml (the file as run),
// driver.lock (held by the one driver that runs the sweep), driver.log,
// and trials/NNNNN/ per trial (trial_job.h). Layout in docs/sweep.md.
#pragma once

#include <cstdint>
#include <string>

#include "cohort/core/file_io.h"

namespace cohort::sweep_tool {

std::string storePath(const std::string& dir);

// The store of the sweep folder `dir`, which must hold one (else a
// ConfigError saying what to run).
std::string existingStorePath(const std::string& dir);

// Refuses a sweep folder whose trials/ holds trials its store does not know:
// a new trial N would take the old trial N's folder and resume from its
// checkpoint. With `known_trials` 0 (a new store: sweep.db missing or
// empty), any entry of trials/ is refused; else a trial folder numbered
// above `known_trials` is. A ConfigError names the folder and what to do.
void refuseOrphanTrials(const std::string& dir, int64_t known_trials);

// True when `dir` has no store yet, or an empty file in its place.
bool storeIsNew(const std::string& dir);

// Holds driver.lock (flock) for as long as it lives: a second driver on the
// same folder is refused with a ConfigError naming the first one's pid.
class DriverLock {
 public:
  explicit DriverLock(const std::string& dir);

 private:
  UniqueFd fd_;
};

// The sweep's id, for COHORT_SWEEP_ID and the trials' run ids: the folder's
// name (letters, digits, '-', '_', '.' kept, others '_') and the first 8
// digits of the digest.
std::string sweepId(const std::string& dir, const std::string& digest);

}  // namespace cohort::sweep_tool
