#include "cohort/runlog/run_log.h"

#include <nlohmann/json.hpp>

#include "cohort/checkpoint/checkpointer.h"
#include "cohort/data/sharded_loader.h"
#include "cohort/ddp/data_parallel.h"
#include "cohort/world/runtime.h"

namespace cohort::runlog {

namespace {

double secondsBetween(std::chrono::steady_clock::time_point a,
                      std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

RunLog::RunLog(Runtime& rt, DataParallel* dp) : rt_(rt), dp_(dp), folder_(rt.settings().logs_dir) {
  const Settings& s = rt.settings();
  if (rt.rank() == 0) {
    metrics_ = std::make_unique<MetricsLog>(folder_ + "/metrics.jsonl");
    tensorboard_ = std::make_unique<TensorBoardWriter>(folder_ + "/tensorboard");
  }
  if (s.timeline) {
    timeline_ = std::make_unique<Timeline>(
        folder_ + "/timeline/rank-" + std::to_string(rt.rank()) + ".json", rt.rank(),
        static_cast<int64_t>(s.timeline_max_mib * (1 << 20)));
    if (dp_) {
      Timeline* timeline = timeline_.get();
      dp_->setBucketObserver([timeline](const BucketTiming& t) {
        timeline->complete("allreduce bucket " + std::to_string(t.bucket), Timeline::kAllreduce,
                           t.start, t.end, nlohmann::json{{"bytes", t.bytes}});
      });
    }
  }
}

RunLog::~RunLog() {
  if (timeline_ && dp_) dp_->setBucketObserver(nullptr);
}

void RunLog::watch(const checkpoint::Checkpointer& checkpointer) {
  checkpointer_ = &checkpointer;
  blocked_seen_s_ = checkpointer.totalBlockedSeconds();
}

void RunLog::beginStep() {
  if (!step_start_) {
    step_start_ = Clock::now();
    data_wait_s_ = 0;
  }
}

std::optional<data::Batch> RunLog::next(data::ShardedLoader& loader) {
  beginStep();
  const auto start = Clock::now();
  std::optional<data::Batch> batch = loader.next();
  const auto end = Clock::now();
  // The wait that ends the epoch belongs to no step: it gets its own name so
  // that "data wait" spans count steps.
  if (timeline_)
    timeline_->complete(batch ? "data wait" : "epoch end", Timeline::kTrain, start, end);
  data_wait_s_ += secondsBetween(start, end);
  last_batch_ = batch ? batch->size() : 0;
  if (!batch) step_start_.reset();  // the epoch's end: no step
  return batch;
}

void RunLog::endStep(int64_t step, int64_t epoch, const at::Tensor& loss, double lr, Scalars extra,
                     int64_t samples) {
  const auto now = Clock::now();
  const double step_s = step_start_ ? secondsBetween(*step_start_, now) : 0;
  step_start_.reset();
  epoch_ = epoch;
  double blocked_s = 0;
  if (checkpointer_) {
    blocked_s = checkpointer_->totalBlockedSeconds() - blocked_seen_s_;
    blocked_seen_s_ = checkpointer_->totalBlockedSeconds();
  }
  if (!metrics_) return;
  StepMetrics m;
  m.step = step;
  m.epoch = epoch;
  m.loss = loss.item<double>();
  m.lr = lr;
  const int64_t global = samples > 0 ? samples : last_batch_ * rt_.size();
  m.samples_per_s = step_s > 0 ? static_cast<double>(global) / step_s : 0;
  m.data_wait_s = data_wait_s_;
  m.checkpoint_blocked_s = blocked_s;
  if (dp_) {
    const CommTiming comm = dp_->lastCommTiming();
    m.comm_s = comm.wait_s;
    m.extra.emplace_back("allreduce_s", comm.allreduce_s);
  }
  m.extra.insert(m.extra.end(), extra.begin(), extra.end());
  metrics_->write(m);
  tensorboard_->addScalars(m.scalars(), m.step);
}

void RunLog::report(int64_t step, const Scalars& values, int64_t epoch) {
  if (!metrics_) return;
  metrics_->writeScalars(step, epoch >= 0 ? epoch : epoch_, values);
  tensorboard_->addScalars(values, step);
}

}  // namespace cohort::runlog
