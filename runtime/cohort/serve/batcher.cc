#include "cohort/serve/batcher.h"

#include <exception>

namespace cohort::serve {

using Clock = std::chrono::steady_clock;

DynamicBatcher::DynamicBatcher(BatcherOptions options, RunBatch run, BatchExecutor executor)
    : options_(options), run_(std::move(run)), executor_(std::move(executor)) {}

DynamicBatcher::~DynamicBatcher() {
  {
    std::unique_lock<std::mutex> lock(guard_->mutex);
    guard_->alive = false;
    guard_->left.wait(lock, [this] { return guard_->inside == 0; });
  }
  drain();
}

bool DynamicBatcher::submit(BatchItem&& item) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (draining_ || static_cast<int>(queue_.size()) >= options_.max_queue) {
    ++stats_.refused;
    return false;
  }
  item.queued_at = Clock::now();
  queued_rows_ += item.rows;
  queue_.push_back(std::move(item));
  schedule();
  return true;
}

void DynamicBatcher::drain() {
  std::unique_lock<std::mutex> lock(mutex_);
  draining_ = true;
  ++generation_;  // what is posted no longer runs
  while (!queue_.empty() && !running_) {
    std::vector<BatchItem> batch = takeBatch();
    lock.unlock();
    execute(batch);
    lock.lock();
  }
}

DynamicBatcher::Stats DynamicBatcher::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

int DynamicBatcher::queued() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(queue_.size());
}

std::vector<BatchItem> DynamicBatcher::takeBatch() {
  std::vector<BatchItem> batch;
  int64_t rows = 0;
  while (!queue_.empty() && (batch.empty() || rows + queue_.front().rows <= options_.max_batch)) {
    rows += queue_.front().rows;
    queued_rows_ -= queue_.front().rows;
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  last_batch_items_ = static_cast<int64_t>(batch.size());
  return batch;
}

void DynamicBatcher::schedule() {
  if (running_ || queue_.empty() || posted_now_) return;
  // Now when a batch is full, draining, not delaying, or
  // after a batch of one request (a lone client is not kept waiting); else
  // when the oldest request's delay ends (See Note [Dynamic batching]).
  const bool now = queued_rows_ >= options_.max_batch || draining_ ||
                   options_.max_delay.count() == 0 || last_batch_items_ == 1;
  if (!now && timed_) return;
  const uint64_t generation = ++generation_;
  auto task = [this, generation, guard = guard_] {
    {
      std::lock_guard<std::mutex> lock(guard->mutex);
      if (!guard->alive) return;
      ++guard->inside;
    }
    struct Leave {  // also if the run throws
      PostGuard& guard;
      ~Leave() {
        std::lock_guard<std::mutex> lock(guard.mutex);
        --guard.inside;
        guard.left.notify_all();
      }
    } leave{*guard};
    runPosted(generation);
  };
  if (now) {
    posted_now_ = true;
    executor_.post(std::move(task));
    return;
  }
  timed_ = true;
  const auto waited = std::chrono::duration_cast<std::chrono::microseconds>(
      Clock::now() - queue_.front().queued_at);
  executor_.post_after(std::max(std::chrono::microseconds(0), options_.max_delay - waited),
                       std::move(task));
}

void DynamicBatcher::runPosted(uint64_t generation) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (generation != generation_ || running_) return;  // superseded
  posted_now_ = timed_ = false;
  if (queue_.empty()) return;
  running_ = true;
  std::vector<BatchItem> batch = takeBatch();
  lock.unlock();
  execute(batch);
  lock.lock();
  running_ = false;
  schedule();
}

void DynamicBatcher::execute(std::vector<BatchItem>& batch) {
  // Requests past their deadline are answered without running.
  const auto now = Clock::now();
  std::vector<BatchItem*> live;
  int64_t rows = 0;
  for (auto& item : batch) {
    if (item.deadline <= now) {
      {
        std::lock_guard<std::mutex> counted(mutex_);
        ++stats_.expired;
      }
      item.done({504, "the request waited past its deadline in the queue", {}});
    } else {
      live.push_back(&item);
      rows += item.rows;
    }
  }
  if (!live.empty()) {
    std::vector<BatchResult> results;
    try {
      results = run_(live);
    } catch (const std::exception& e) {
      results.clear();
      for (size_t i = 0; i < live.size(); ++i) results.push_back({500, e.what(), {}});
    }
    if (results.size() != live.size()) {
      results.assign(live.size(), {500, "the model returned no result for this request", {}});
    }
    {
      std::lock_guard<std::mutex> counted(mutex_);  // counted before anyone is answered
      ++stats_.batches;
      stats_.rows += rows;
    }
    for (size_t i = 0; i < live.size(); ++i) live[i]->done(std::move(results[i]));
  }
}

}  // namespace cohort::serve
