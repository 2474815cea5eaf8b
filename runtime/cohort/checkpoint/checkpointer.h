// Checkpointer: saves and resumes a trainer's whole state (checkpoint_save.cc,
// checkpoint_resume.cc).
//
//   cohort::checkpoint::Checkpointer ckpt(rt, rt.settings().outputs_dir + "/checkpoints", policy);
//   TrainState state{.model = moduleState(*net), .optimizer = &opt, .loader = &loader};
//   if (auto r = ckpt.resume(state)) first_step = r->step;     // collective
//   for (step ...) {
//     ... one step ...
//     if (ckpt.due(step)) { state.step = step; ckpt.save(state); }   // both collective
//     if (ckpt.stopRequested()) break;                           // SIGTERM: saved, now stop
//   }
//   ckpt.wait();
//
// A checkpoint (OUTPUTS/checkpoints/step-NNNNNNNN/, see Note [Checkpoint
// commit]) holds model.h5 (parameters and buffers under their state-dict
// names), optimizer.h5 (its state tensors, "stepped" and the step count),
// rng.h5 (each rank's CPU generator state, "rank-N"), checkpoint.json (step,
// epoch, world size, the loader's state, the run's configuration, metrics)
// checksums.json, and with TrainState::rank_state ranks.h5 (each rank's own
// tensors, "rank-N.name").
//
// Only rank 0 writes and reads files; resume broadcasts what it read, so the
// outputs folder need not be shared between machines. In async mode save()
// only copies the state into host memory (the time the loop is blocked) and a
// background thread writes it; at most one write is in flight (the next
// save() waits for it). A write that fails ends the job at the next save() or
// wait() with the reason (the older checkpoints are untouched).
#pragma once

#include <ATen/core/Tensor.h>

#include <chrono>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "cohort/checkpoint/retention.h"
#include "cohort/checkpoint/tensor_file.h"
#include "cohort/core/stop_request.h"
#include "cohort/optim/optimizer_state.h"

namespace cohort {
class Runtime;
namespace data {
class ShardedLoader;
}
}  // namespace cohort

namespace cohort::checkpoint {

struct CheckpointPolicy {
  int64_t every_steps = 0;   // due() at every multiple of this step (0: never)
  double every_seconds = 0;  // due() once this long has passed since the last save (0: never)
  Retention retention;       // which committed checkpoints are kept
  bool async = true;         // write in the background
};

// What is saved and what resume() restores into. The tensors are the live
// ones (moduleState(model)); save() copies them. A checkpoint resumes only
// into a TrainState with the same parts: one that holds optimizer state (or
// a loader position) resumed without an optimizer (or loader), or the
// reverse, or into another kind of optimizer, is a ConfigError, never a
// silent fresh start of that part.
struct TrainState {
  int64_t step = 0;
  int64_t epoch = 0;
  NamedTensors model;
  // Optional: &opt for cohort's optim::SGD/AdamW or any of torch::optim's
  // SGD, Adam, AdamW, RMSprop, Adagrad (See Note [Optimizer state]).
  optim::OptimizerRef optimizer;
  data::ShardedLoader* loader = nullptr;  // optional
  // Optional: tensors each rank holds for itself, the same names on every
  // rank -- DataParallel's compression residuals (dp.rankState(), Note
  // [Compressed buckets]). Saved for every rank in ranks.h5 ("rank-N.name"),
  // gathered to rank 0 one rank at a time.
  NamedTensors rank_state;
  std::string config = "{}";              // the run's configuration, a JSON object
  std::map<std::string, double> metrics;  // e.g. the test accuracy at this step
};

struct Resumed {
  int64_t step = 0;
  int64_t epoch = 0;
  std::string folder;
  std::map<std::string, double> metrics;
};

class Checkpointer {
 public:
  // Installs the SIGTERM handler (see stop_request.h) for its lifetime.
  Checkpointer(Runtime& rt, std::string checkpoints_dir, CheckpointPolicy policy);
  // Waits for the write in flight (its error is logged, not thrown).
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Collective, once per step: whether to save after `step` -- by the policy,
  // or because any rank was sent SIGTERM (then stopRequested() is true on every rank).
  bool due(int64_t step);
  bool stopRequested() const { return stop_; }

  // Collective: saves `state` (returns once it is snapshotted in async mode,
  // once it is committed otherwise).
  void save(const TrainState& state);
  // Waits for the write in flight; throws its error.
  void wait();

  // Collective: restores `state` from the newest committed checkpoint that
  // passes its checksums (others are skipped with a warning saying why), or
  // returns nothing when there is none. Entries that cannot be read (a
  // symbolic link that loops) are skipped with a warning, and `latest` is made
  // to name what was resumed (See Note [Latest pointer]). Throws ConfigError
  // when it was written by another model or optimizer (names or shapes
  // differ) or for another data set, or when `latest` is a folder.
  std::optional<Resumed> resume(TrainState& state);

  double lastBlockedSeconds() const { return last_blocked_s_; }  // the last save()'s
  double totalBlockedSeconds() const { return total_blocked_s_; }
  double lastWriteSeconds() const {
    return last_write_s_;
  }                                                  // rank 0: the last write, files to commit
  int64_t lastBytes() const { return last_bytes_; }  // rank 0: the last checkpoint's size
  const std::string& directory() const { return dir_; }

 private:
  struct Snapshot;
  void snapshot(const TrainState& state, Snapshot* out);
  void write(const Snapshot& s);  // writeFiles, its full-disk error with retention's advice
  void writeFiles(const Snapshot& s);

  Runtime& rt_;
  std::string dir_;
  CheckpointPolicy policy_;
  StopRequestGuard stop_guard_;
  bool stop_ = false;
  bool stop_announced_ = false;  // rank 0 said so once
  std::chrono::steady_clock::time_point last_save_;
  at::Tensor arena_;                   // host memory the snapshot is copied into
  std::unique_ptr<Snapshot> pending_;  // what the writer thread is writing
  std::thread writer_;
  std::exception_ptr write_error_;
  double last_blocked_s_ = 0, total_blocked_s_ = 0, last_write_s_ = 0;
  int64_t last_bytes_ = 0;
};

}  // namespace cohort::checkpoint
