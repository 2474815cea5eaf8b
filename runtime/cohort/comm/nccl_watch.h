// The watch thread of the NCCL backend (Note [NCCL streams]): follows every
// collective in flight on the GPU, and ends the job when one outlives the
// timeout or NCCL reports an asynchronous error.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cohort {

class NcclWatch {
 public:
  // `async_error` returns "" while NCCL is healthy, else its message;
  // `on_failure` receives what went wrong and must end the job.
  NcclWatch(int device, double timeout_s, std::function<std::string()> async_error,
            std::function<void(const std::string&)> on_failure);
  ~NcclWatch();
  NcclWatch(const NcclWatch&) = delete;
  NcclWatch& operator=(const NcclWatch&) = delete;

  // A collective was queued; `done` is a cudaEvent_t recorded after it. The
  // event must stay alive until the watch sees it complete (its Work keeps it).
  void started(uint64_t seq, std::string label, std::shared_ptr<void> done);

 private:
  struct InFlight {
    uint64_t seq;
    std::string label;
    std::shared_ptr<void> done;
    std::chrono::steady_clock::time_point start;
  };
  void loop();

  int device_;
  double timeout_s_;
  std::function<std::string()> async_error_;
  std::function<void(const std::string&)> on_failure_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<InFlight> in_flight_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace cohort
