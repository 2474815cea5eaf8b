#include "cohort/comm/nccl_watch.h"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <sstream>

namespace cohort {

NcclWatch::NcclWatch(int device, double timeout_s, std::function<std::string()> async_error,
                     std::function<void(const std::string&)> on_failure)
    : device_(device),
      timeout_s_(timeout_s),
      async_error_(std::move(async_error)),
      on_failure_(std::move(on_failure)),
      thread_([this] { loop(); }) {}

NcclWatch::~NcclWatch() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void NcclWatch::started(uint64_t seq, std::string label, std::shared_ptr<void> done) {
  std::lock_guard<std::mutex> lock(mutex_);
  in_flight_.push_back({seq, std::move(label), std::move(done), std::chrono::steady_clock::now()});
}

void NcclWatch::loop() {
  cudaSetDevice(device_);
  const auto poll = std::chrono::duration<double>(std::clamp(timeout_s_ / 20, 0.01, 0.5));
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, poll);
    // Finished collectives leave the list; the oldest unfinished one is judged.
    const auto now = std::chrono::steady_clock::now();
    std::string failure;
    for (auto it = in_flight_.begin(); it != in_flight_.end();) {
      const cudaError_t state = cudaEventQuery(static_cast<cudaEvent_t>(it->done.get()));
      if (state == cudaSuccess) {
        it = in_flight_.erase(it);
        continue;
      }
      const double waited = std::chrono::duration<double>(now - it->start).count();
      if (state != cudaErrorNotReady) {
        failure = it->label + " (collective #" + std::to_string(it->seq) +
                  ") failed on the GPU: " + cudaGetErrorString(state);
      } else if (waited > timeout_s_) {
        std::ostringstream text;
        text << it->label << " (collective #" << it->seq << ") has not completed on the GPU after "
             << waited << " s (COHORT_COLLECTIVE_TIMEOUT_S=" << timeout_s_
             << "): another rank has probably died, hung, or skipped a collective";
        failure = text.str();
      }
      if (!failure.empty()) break;
      ++it;
    }
    if (failure.empty()) failure = async_error_();
    if (failure.empty()) continue;
    lock.unlock();
    on_failure_(failure + ". Ending the job; look at the other ranks' logs for the first error.");
    return;
  }
}

}  // namespace cohort
