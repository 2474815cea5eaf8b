#include "cohort/storage/parts.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace cohort::storage {

void forEachPart(int64_t first, int64_t count, int threads, int64_t window,
                 const std::function<void(int64_t part)>& work,
                 const std::function<void(int64_t part)>& in_order) {
  std::mutex mutex;
  std::condition_variable progress;
  int64_t next = first;        // the next part to hand out
  int64_t ordered = first;     // parts before this have had in_order()
  std::set<int64_t> finished;  // done, waiting for an earlier part
  std::exception_ptr error;
  bool ordering = false;  // a thread is running in_order() calls
  auto worker = [&] {
    for (;;) {
      int64_t part;
      {
        std::unique_lock<std::mutex> lock(mutex);
        progress.wait(lock, [&] { return error || next >= count || next < ordered + window; });
        if (error || next >= count) return;
        part = next++;
      }
      try {
        work(part);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!error) error = std::current_exception();
        progress.notify_all();
        return;
      }
      std::unique_lock<std::mutex> lock(mutex);
      finished.insert(part);
      // One thread at a time hands the parts that are ready over in order.
      while (!ordering && !error && !finished.empty() && *finished.begin() == ordered) {
        ordering = true;
        const int64_t ready = ordered;
        finished.erase(finished.begin());
        lock.unlock();
        try {
          in_order(ready);
        } catch (...) {
          lock.lock();
          ordering = false;
          if (!error) error = std::current_exception();
          progress.notify_all();
          return;
        }
        lock.lock();
        ordering = false;
        ordered = ready + 1;
      }
      progress.notify_all();
    }
  };
  const int n = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, count - first)));
  std::vector<std::thread> pool;
  for (int i = 1; i < n; ++i) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace cohort::storage
