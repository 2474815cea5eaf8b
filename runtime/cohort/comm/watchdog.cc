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
  name_.store(name, std::memory_order_relaxed);
  dtype_.store(dtype, std::memory_order_relaxed);
  numel_.store(numel, std::memory_order_relaxed);
  running_.store(seq + 1, std::memory_order_release);
}

void Watchdog::loop() {
  // Poll a few times per timeout so the job ends soon after the limit. A
  // collective is timed from the first poll that sees it running, not from
  // begin(): that keeps the clock off the path of every collective (a clock
  // read was half of a blocking allreduce's cost over a raw MPI_Allreduce),
  // and makes the verdict at most one poll late.
  const auto poll = std::chrono::duration<double>(std::clamp(timeout_s_ / 10, 0.05, 1.0));
  uint64_t seen = 0;    // the running collective's seq + 1 at the last poll
  int64_t seen_ns = 0;  // when it was first seen
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, poll);
    if (stopping_) break;
    const uint64_t running = running_.load(std::memory_order_acquire);
    if (running != seen) {  // idle, or a collective not seen before
      seen = running;
      seen_ns = nowNs();
      continue;
    }
    if (running == 0) continue;
    const double elapsed_s = (nowNs() - seen_ns) * 1e-9;
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
