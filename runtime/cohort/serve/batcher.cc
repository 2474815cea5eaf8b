#include "cohort/serve/batcher.h"

#include <exception>

namespace cohort::serve {

using Clock = std::chrono::steady_clock;

DynamicBatcher::DynamicBatcher(BatcherOptions options, RunBatch run, BatchExecutor executor)
    : options_(options), run_(std::move(run)), executor_(std::move(executor)) {
  if (!executor_.post) thread_ = std::thread([this] { loop(); });
}

DynamicBatcher::~DynamicBatcher() {
  {
    std::lock_guard<std::mutex> lock(guard_->mutex);
    guard_->alive = false;
  }
  drain();
}

bool DynamicBatcher::submit(BatchItem&& item) {
  bool wake = true;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (draining_ || static_cast<int>(queue_.size()) >= options_.max_queue) {
      ++stats_.refused;
      return false;
    }
    item.queued_at = Clock::now();
    queued_rows_ += item.rows;
    queue_.push_back(std::move(item));
    if (executor_.post) {
      schedule();
      return true;
    }
    wake = !gathering_ || queued_rows_ >= rows_needed_;
  }
  if (wake) wake_.notify_one();
  return true;
}

void DynamicBatcher::drain() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    draining_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  if (!executor_.post) return;
  // The executor may have stopped: what is left runs here.
  std::unique_lock<std::mutex> lock(mutex_);
  while (!queue_.empty() && !running_) {
    std::vector<BatchItem> batch = takeBatch(lock);
    lock.unlock();
    execute(batch);
    lock.lock();
  }
}

void DynamicBatcher::schedule() {
  if (running_ || queue_.empty() || posted_now_) return;
  // The same rule as takeBatch's: now when full, draining, not delaying, or
  // after a batch of one request; else when the oldest request's delay ends.
  const bool now = queued_rows_ >= options_.max_batch || draining_ ||
                   options_.max_delay.count() == 0 || last_batch_items_ == 1;
  if (!now && timed_) return;
  const uint64_t generation = ++generation_;
  auto task = [this, generation, guard = guard_] {
    std::lock_guard<std::mutex> alive(guard->mutex);
    if (guard->alive) runPosted(generation);
  };
  if (now) {
    posted_now_ = true;
    executor_.post(std::move(task));
    return;
  }
  timed_ = true;
  const auto waited = Clock::now() - queue_.front().queued_at;
  const auto left =
      std::max(std::chrono::microseconds(0),
               options_.max_delay - std::chrono::duration_cast<std::chrono::microseconds>(waited));
  executor_.post_after(left, std::move(task));
}

void DynamicBatcher::runPosted(uint64_t generation) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (generation != generation_ || running_) return;  // superseded
  posted_now_ = timed_ = false;
  if (queue_.empty()) return;
  running_ = true;
  std::vector<BatchItem> batch = takeBatch(lock);
  lock.unlock();
  execute(batch);
  lock.lock();
  running_ = false;
  schedule();
}

DynamicBatcher::Stats DynamicBatcher::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

int DynamicBatcher::queued() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(queue_.size());
}

// With the lock held and the queue not empty: the oldest item, then more
// while they fit in max_batch rows, waiting up to max_delay from the first.
std::vector<BatchItem> DynamicBatcher::takeBatch(std::unique_lock<std::mutex>& lock) {
  std::vector<BatchItem> batch;
  int64_t rows = 0;
  const auto until = Clock::now() + options_.max_delay;
  while (true) {
    while (!queue_.empty() && (batch.empty() || rows + queue_.front().rows <= options_.max_batch)) {
      rows += queue_.front().rows;
      queued_rows_ -= queue_.front().rows;
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    const bool full = rows >= options_.max_batch || !queue_.empty();  // the next does not fit
    // A lone client (the last batch held one request) is not kept waiting.
    if (full || draining_ || options_.max_delay.count() == 0 || last_batch_items_ == 1 ||
        executor_.post)  // (its delay was its timer's)
      break;
    gathering_ = true;
    rows_needed_ = options_.max_batch - rows;
    const bool timed_out = wake_.wait_until(lock, until) == std::cv_status::timeout;
    gathering_ = false;
    if (timed_out && queue_.empty()) break;
  }
  last_batch_items_ = static_cast<int64_t>(batch.size());
  return batch;
}

void DynamicBatcher::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return draining_ || !queue_.empty(); });
    if (queue_.empty()) return;  // draining, and nothing left
    std::vector<BatchItem> batch = takeBatch(lock);
    lock.unlock();
    execute(batch);
    lock.lock();
  }
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
