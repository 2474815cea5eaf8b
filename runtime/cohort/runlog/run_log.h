// RunLog: a trainer's logs in one object, under COHORT_LOGS_DIR:
//   - rank 0: metrics.jsonl (one line per step, and the lines of report())
//     and TensorBoard scalars (tensorboard/);
//   - every rank: its timeline, timeline/rank-N.json (unless COHORT_TIMELINE
//     is off; capped at COHORT_TIMELINE_MAX_MB), with the step's spans and
//     DataParallel's bucket allreduces.
// It measures what a step's metrics need itself: the time waiting for the
// loader (next()), the step's samples per second, the gradient communication
// left unhidden by backward (DataParallel), and the time a watched
// Checkpointer blocked the loop.
//
//   cohort::runlog::RunLog log(rt, dp);
//   log.watch(checkpointer);
//   while (auto batch = log.next(loader)) {
//     { auto span = log.span("forward"); ... }
//     ...
//     log.endStep(step, epoch, loss, lr);
//   }
//   log.report(step, {{"test_accuracy", accuracy}});   // e.g. after each evaluation
#pragma once

#include <ATen/core/Tensor.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cohort/runlog/metrics_log.h"
#include "cohort/runlog/tensorboard_writer.h"
#include "cohort/runlog/timeline.h"

namespace cohort {
class Runtime;
class DataParallel;
namespace checkpoint {
class Checkpointer;
}
namespace data {
class ShardedLoader;
struct Batch;
}  // namespace data
}  // namespace cohort

namespace cohort::runlog {

using Scalars = std::vector<std::pair<std::string, double>>;

class RunLog {
 public:
  // `dp` (optional) gives the bucket timings and the communication time.
  explicit RunLog(Runtime& rt, DataParallel* dp = nullptr);
  RunLog(Runtime& rt, DataParallel& dp) : RunLog(rt, &dp) {}
  ~RunLog();
  RunLog(const RunLog&) = delete;
  RunLog& operator=(const RunLog&) = delete;

  // The checkpointer whose saves' blocked time goes into checkpoint_blocked_s.
  void watch(const checkpoint::Checkpointer& checkpointer);

  // loader.next(), timed as the step's data wait (a "data wait" span, or
  // "epoch end" for the call that finds the epoch over); the
  // step's clock starts here unless a step is already under way.
  std::optional<data::Batch> next(data::ShardedLoader& loader);
  // Starts the step's clock (for a step whose data does not come from next()).
  void beginStep();
  // A span of the step on `track` (nothing when the timeline is off).
  Timeline::Span span(const char* name, int track = Timeline::kTrain) {
    return {timeline_.get(), name, track};
  }

  // Ends the step: rank 0 writes its metrics line and TensorBoard scalars
  // (reading `loss` waits for the device there). `samples` is the step's
  // global sample count (0: the batch next() returned times the world size).
  void endStep(int64_t step, int64_t epoch, const at::Tensor& loss, double lr, Scalars extra = {},
               int64_t samples = 0);
  // Rank 0: a line of other scalars at `step` (an evaluation's accuracy),
  // {"step":..,"epoch":..,"time":..,NAME:VALUE,...}, and the same scalars in TensorBoard.
  void report(int64_t step, const Scalars& values, int64_t epoch = -1);

  Timeline* timeline() { return timeline_.get(); }  // null when off
  const std::string& folder() const { return folder_; }

 private:
  using Clock = std::chrono::steady_clock;
  Runtime& rt_;
  DataParallel* dp_;
  const checkpoint::Checkpointer* checkpointer_ = nullptr;
  std::string folder_;
  std::unique_ptr<MetricsLog> metrics_;
  std::unique_ptr<TensorBoardWriter> tensorboard_;
  std::unique_ptr<Timeline> timeline_;
  std::optional<Clock::time_point> step_start_;
  double data_wait_s_ = 0;
  int64_t last_batch_ = 0;     // this rank's samples in the step's batch
  double blocked_seen_s_ = 0;  // the checkpointer's total blocked time at the last endStep
  int64_t epoch_ = 0;
};

}  // namespace cohort::runlog
