// Which committed checkpoints are kept: the newest `keep_last`, plus the best
// one by a metric the trainer reports (its value is read from each folder's
// checkpoint.json). The newest is always kept.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace cohort::checkpoint {

struct Retention {
  int keep_last = 3;        // 0: keep every checkpoint
  std::string best_metric;  // "": no best-of rule
  bool higher_is_better = true;
  // How the run's user sets keep_last, for the advice when the disk fills up:
  // the trainer's own option, e.g. "--keep-checkpoints" (empty: the advice
  // names CheckpointPolicy::retention.keep_last).
  std::string keep_last_option;
};

// Deletes the committed folders the rule does not keep (each is first renamed
// to a dot-name, so a crash part-way never leaves a half-deleted committed
// folder); returns the names deleted. Failures are logged, never thrown.
std::vector<std::string> pruneCheckpoints(const std::filesystem::path& checkpoints_dir,
                                          const Retention& rule);

}  // namespace cohort::checkpoint
