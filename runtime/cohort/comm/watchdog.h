// Watches the collective that is running and ends the job when one has run
// longer than the timeout: a rank that died or stopped calling collectives
// would otherwise leave every other rank waiting for ever.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace cohort {

class Watchdog {
 public:
  // `on_timeout` receives a message naming the collective; it must end the
  // job (the MPI backend calls MPI_Abort).
  Watchdog(double timeout_s, std::function<void(const std::string&)> on_timeout);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // A collective started / finished: a few atomic stores and no clock read,
  // cheap enough for the 4 KB allreduce path (the watchdog thread times the
  // collective from when it first sees it). The strings must outlive the
  // collective (string literals and c10 dtype names do).
  void begin(uint64_t seq, const char* name, const char* dtype, int64_t numel);
  void end() { running_.store(0, std::memory_order_release); }

 private:
  void loop();
  void fire(uint64_t seq, double elapsed_s);

  const double timeout_s_;
  std::function<void(const std::string&)> on_timeout_;

  std::atomic<uint64_t> running_{0};  // seq + 1 of the running collective, 0 when idle
  std::atomic<const char*> name_{""};
  std::atomic<const char*> dtype_{""};
  std::atomic<int64_t> numel_{0};

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace cohort
