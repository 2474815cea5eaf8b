// A handle on a collective that may still be running.
#pragma once

#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>

namespace cohort {

class Work {
 public:
  // True once the collective has finished, successfully or not.
  bool isCompleted();
  // Blocks until the collective finishes; rethrows its error (a CommError) if it failed.
  void wait();

  // Called by the backend that runs the collective.
  void markDone(std::exception_ptr error = nullptr);

 private:
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::exception_ptr error_;
};

using WorkPtr = std::shared_ptr<Work>;

}  // namespace cohort
