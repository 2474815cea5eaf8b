#include "cohort/data/prefetcher.h"

#include <algorithm>
#include <chrono>

#include "cohort/core/error.h"

namespace cohort::data {

Prefetcher::Prefetcher(LoadFn load, int threads, int64_t budget_bytes)
    : load_(std::move(load)), budget_(budget_bytes) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

Prefetcher::~Prefetcher() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  for (auto& t : threads_) t.join();
}

void Prefetcher::plan(const std::vector<std::vector<int>>& windows,
                      const std::vector<int64_t>& bytes) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_.clear();
    held_bytes_ = 0;
    wanted_window_ = 0;
    ++generation_;
    for (size_t w = 0; w < windows.size(); ++w) {
      for (int shard : windows[w]) {
        Job job;
        job.window = static_cast<int>(w);
        job.shard = shard;
        job.bytes = bytes.at(shard);
        jobs_.push_back(std::move(job));
      }
    }
  }
  changed_.notify_all();
}

Prefetcher::Job* Prefetcher::nextJob() {
  for (Job& job : jobs_) {
    if (job.started) continue;
    // Jobs start in plan order; the windows in use may always load.
    if (job.window <= std::max(jobs_.front().window, wanted_window_) ||
        held_bytes_ + job.bytes <= budget_) {
      return &job;
    }
    return nullptr;
  }
  return nullptr;
}

void Prefetcher::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    Job* job = nextJob();
    if (!job) {
      changed_.wait(lock);
      continue;
    }
    job->started = true;
    held_bytes_ += job->bytes;
    const uint64_t generation = generation_;
    const int window = job->window;
    const int shard = job->shard;
    lock.unlock();
    std::shared_ptr<const ShardColumns> data;
    std::exception_ptr error;
    try {
      data = load_(shard);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    if (generation != generation_) continue;  // planned again meanwhile: not wanted
    for (Job& j : jobs_) {
      if (j.window == window && j.shard == shard) {
        j.done = true;
        j.data = std::move(data);
        j.error = error;
        break;
      }
    }
    changed_.notify_all();
  }
}

std::shared_ptr<const ShardColumns> Prefetcher::get(int window, int shard) {
  std::unique_lock<std::mutex> lock(mutex_);
  Job* job = nullptr;
  for (Job& j : jobs_) {
    if (j.window == window && j.shard == shard) {
      job = &j;
      break;
    }
  }
  COHORT_CHECK(job != nullptr, DataError,
               "shard " + std::to_string(shard) + " of window " + std::to_string(window) +
                   " was not planned",
               "this is a bug in cohort's loader");
  if (!job->done) {
    if (window > wanted_window_) {
      wanted_window_ = window;  // a batch spanning two windows needs both in memory
      changed_.notify_all();
    }
    const auto start = std::chrono::steady_clock::now();
    changed_.wait(lock, [&] { return job->done; });
    wait_s_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  if (job->error) std::rethrow_exception(job->error);
  return job->data;
}

void Prefetcher::releaseBefore(int window) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    while (!jobs_.empty() && jobs_.front().window < window) {
      if (jobs_.front().started) held_bytes_ -= jobs_.front().bytes;
      jobs_.pop_front();
    }
  }
  changed_.notify_all();
}

double Prefetcher::waitSeconds() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return wait_s_;
}

}  // namespace cohort::data
