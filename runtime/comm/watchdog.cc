#include "cohort/comm/watchdog.h"

#include <algorithm>
#include <sstream>

namespace cohort {

namespace {
int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

Watchdog::Watchdog(double timeout_s, std::function<void(const std::string&)> on_timeout)
    : timeout_s_(timeout_s), on_timeout_(std::move(on_timeout)), thread_([this] { loop(); }) {}

Watchdog::~Watchdog() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Watchdog::begin(uint64_t seq, const char* name, const char* dtype, int64_t numel) {
  start_ns_.store(nowNs(), std::memory_order_relaxed);
  name_.store(name, std::memory_order_relaxed);
  dtype_.store(dtype, std::memory_order_relaxed);
  numel_.store(numel, std::memory_order_relaxed);
  running_.store(seq + 1, std::memory_order_release);
}

void Watchdog::loop() {
  // Poll a few times per timeout so the job ends soon after the limit.
  const auto poll = std::chrono::duration<double>(std::clamp(timeout_s_ / 10, 0.05, 1.0));
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, poll);
    if (stopping_) break;
    uint64_t running = running_.load(std::memory_order_acquire);
    if (running == 0) continue;
    double elapsed_s = (nowNs() - start_ns_.load(std::memory_order_relaxed)) * 1e-9;
    // A start time read while the next collective was being published is
    // newer than the real one, so a race can only delay the verdict.
    if (elapsed_s < timeout_s_ || running_.load(std::memory_order_acquire) != running) continue;
    lock.unlock();
    fire(running - 1, elapsed_s);  // does not return when it ends the job
    lock.lock();
  }
}

void Watchdog::fire(uint64_t seq, double elapsed_s) {
  std::ostringstream message;
  message << name_.load() << " (collective #" << seq << ", " << numel_.load() << " x "
          << dtype_.load() << ") has not completed after " << elapsed_s
          << " s (COHORT_COLLECTIVE_TIMEOUT_S=" << timeout_s_
          << "): another rank has probably died, hung, or skipped a collective. Ending the job."
          << " Look at the other ranks' logs for the first error; raise the timeout only if a"
          << " collective this slow is expected.";
  on_timeout_(message.str());
}

}  // namespace cohort
