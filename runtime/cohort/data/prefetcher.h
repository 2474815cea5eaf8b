// Background threads that load shards ahead of their use, within a memory bound.
//
// The loader hands over a plan: the shards it will need, grouped in windows,
// in order of use. Threads take the planned shards in order and load them
// (fetch, verify, decode). A shard may start loading when it belongs to a
// window in use (the oldest not released, or one a waiting get() asks for: a
// batch may span two windows), so the windows being read always load whatever
// the bound; or when the bytes held and being loaded stay within the bound.
// The loader then takes each shard with get() (waiting if it is not there
// yet) and releases a window when it has used it up.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "cohort/data/shard_file.h"

namespace cohort::data {

class Prefetcher {
 public:
  using LoadFn = std::function<std::shared_ptr<const ShardColumns>(int shard)>;

  Prefetcher(LoadFn load, int threads, int64_t budget_bytes);
  ~Prefetcher();  // stops the threads (a load under way is waited for)
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  // Drops every planned or loaded shard and plans `windows` (shard indices,
  // each window's shards in order of use); `bytes[s]` is shard s's decoded size.
  void plan(const std::vector<std::vector<int>>& windows, const std::vector<int64_t>& bytes);
  // Shard `shard` of planned window `window`, loaded; blocks until it is. A
  // failed load is rethrown here.
  std::shared_ptr<const ShardColumns> get(int window, int shard);
  // Planned windows before `window` are no longer needed.
  void releaseBefore(int window);
  // Seconds get() spent waiting, summed.
  double waitSeconds() const;

 private:
  struct Job {
    int window = 0;
    int shard = 0;
    int64_t bytes = 0;
    bool started = false;
    bool done = false;
    std::shared_ptr<const ShardColumns> data;
    std::exception_ptr error;
  };

  void work();
  // The next job a thread may start, or nullptr (called with mutex_ held).
  Job* nextJob();

  LoadFn load_;
  int64_t budget_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Job> jobs_;     // in plan order; released windows are popped from the front
  int64_t held_bytes_ = 0;   // loaded or loading
  int wanted_window_ = 0;    // the newest window a get() has asked for
  uint64_t generation_ = 0;  // bumped by plan(): results of older plans are discarded
  double wait_s_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace cohort::data
