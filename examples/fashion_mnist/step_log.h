// The trainer's logs through cohort::runlog: rank 0 writes LOGS/metrics.jsonl
// and TensorBoard scalars (LOGS/tensorboard/), every rank its timeline
// (LOGS/timeline/rank-N.json, unless COHORT_TIMELINE=off) with the spans of
// each step and DataParallel's bucket allreduces.
//
//   StepLog log(rt, dp);
//   { auto span = log.span("forward"); ... }
//   log.endStep(loss, step, epoch, lr, samples_per_s, data_wait_s);
#pragma once

#include <ATen/core/Tensor.h>

#include <memory>
#include <string>

#include "cohort/ddp/data_parallel.h"
#include "cohort/runlog/metrics_log.h"
#include "cohort/runlog/tensorboard_writer.h"
#include "cohort/runlog/timeline.h"
#include "cohort/world/runtime.h"

namespace fashion_mnist {

class StepLog {
 public:
  StepLog(cohort::Runtime& rt, cohort::DataParallel& dp);
  ~StepLog();

  // A span of the current step on the timeline's train track (nothing when off).
  cohort::runlog::Timeline::Span span(const char* name) { return {timeline_.get(), name}; }
  // Null when the timeline is off.
  cohort::runlog::Timeline* timeline() { return timeline_.get(); }

  // Rank 0: one metrics line and TensorBoard event, with the loss read from
  // `loss` (a wait for the device, on rank 0 only) and comm_s from DataParallel.
  void endStep(const at::Tensor& loss, int64_t step, int64_t epoch, double lr, double samples_per_s,
               double data_wait_s, double checkpoint_blocked_s = 0);
  // Rank 0: per-epoch scalars (TensorBoard only), at the epoch's last step.
  void endEpoch(int64_t step, double train_loss, double test_accuracy);

 private:
  cohort::DataParallel& dp_;
  std::unique_ptr<cohort::runlog::MetricsLog> metrics_;
  std::unique_ptr<cohort::runlog::TensorBoardWriter> tensorboard_;
  std::unique_ptr<cohort::runlog::Timeline> timeline_;
};

}  // namespace fashion_mnist
