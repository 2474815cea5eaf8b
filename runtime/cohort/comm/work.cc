#include "cohort/comm/work.h"

namespace cohort {

bool Work::isCompleted() {
  std::lock_guard<std::mutex> lock(mutex_);
  return done_;
}

void Work::wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  done_cv_.wait(lock, [this] { return done_; });
  if (error_) std::rethrow_exception(error_);
}

std::chrono::steady_clock::time_point Work::doneAt() {
  std::lock_guard<std::mutex> lock(mutex_);
  return done_at_;
}

void Work::markDone(std::exception_ptr error) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
    done_at_ = std::chrono::steady_clock::now();
    error_ = std::move(error);
  }
  done_cv_.notify_all();
}

}  // namespace cohort
