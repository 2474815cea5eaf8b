#include "step_log.h"

#include "cohort/ddp/reducer.h"

namespace fashion_mnist {

StepLog::StepLog(cohort::Runtime& rt, cohort::DataParallel& dp) : dp_(dp) {
  const cohort::Settings& s = rt.settings();
  if (rt.rank() == 0) {
    metrics_ = std::make_unique<cohort::runlog::MetricsLog>(s.logs_dir + "/metrics.jsonl");
    tensorboard_ = std::make_unique<cohort::runlog::TensorBoardWriter>(s.logs_dir + "/tensorboard");
  }
  if (s.timeline) {
    timeline_ = std::make_unique<cohort::runlog::Timeline>(
        s.logs_dir + "/timeline/rank-" + std::to_string(rt.rank()) + ".json", rt.rank(),
        static_cast<int64_t>(s.timeline_max_mib * (1 << 20)));
    cohort::runlog::Timeline* timeline = timeline_.get();
    dp.setBucketObserver([timeline](const cohort::BucketTiming& t) {
      timeline->complete("allreduce bucket " + std::to_string(t.bucket), cohort::runlog::Timeline::kAllreduce,
                         t.start, t.end, "\"bytes\":" + std::to_string(t.bytes));
    });
  }
}

StepLog::~StepLog() {
  if (timeline_) dp_.setBucketObserver(nullptr);
}

void StepLog::endStep(const at::Tensor& loss, int64_t step, int64_t epoch, double lr, double samples_per_s,
                      double data_wait_s, double checkpoint_blocked_s) {
  if (!metrics_) return;
  cohort::runlog::StepMetrics metrics;
  metrics.step = step;
  metrics.epoch = epoch;
  metrics.loss = loss.item<double>();
  metrics.lr = lr;
  metrics.samples_per_s = samples_per_s;
  metrics.data_wait_s = data_wait_s;
  metrics.checkpoint_blocked_s = checkpoint_blocked_s;
  const cohort::CommTiming comm = dp_.lastCommTiming();
  metrics.comm_s = comm.wait_s;
  metrics.extra.emplace_back("allreduce_s", comm.allreduce_s);
  metrics_->write(metrics);
  tensorboard_->addScalars(metrics.scalars(), metrics.step);
}

void StepLog::endEpoch(int64_t step, double train_loss, double test_accuracy) {
  if (tensorboard_) tensorboard_->addScalars({{"epoch_train_loss", train_loss}, {"test_accuracy", test_accuracy}}, step);
}

}  // namespace fashion_mnist
