// A handle on a collective that may still be running.
//
// For the MPI backend (host memory) wait() blocks until the collective has
// finished. For the NCCL backend (GPU memory) wait() orders libtorch's current
// stream after the collective and returns at once, as c10d's NCCL work does:
// GPU work queued afterwards sees the result; use synchronize() to block the
// host too.
#pragma once

#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>

namespace cohort {

class Work {
 public:
  virtual ~Work() = default;
  // True once the collective has finished, successfully or not.
  virtual bool isCompleted();
  // See above; rethrows the collective's error (a CommError) if it failed.
  virtual void wait();
  // Blocks the host until the collective has finished.
  virtual void synchronize() { wait(); }

  // Called by the backend that runs the collective on a host thread.
  void markDone(std::exception_ptr error = nullptr);
  // When markDone was called; the clock's epoch (zero) for work that never
  // calls it (NCCL work, whose end only the GPU knows).
  std::chrono::steady_clock::time_point doneAt();

 private:
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::chrono::steady_clock::time_point done_at_{};
  std::exception_ptr error_;
};

using WorkPtr = std::shared_ptr<Work>;

}  // namespace cohort
