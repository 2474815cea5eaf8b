// A counter in shared memory that one process advances and others wait on.
//
// Waiters spin for a moment (the common case: the other rank is about to
// arrive), then sleep in the kernel (a futex on the counter) so that a rank
// waiting for a slower one gives its core to whatever else this process has
// to do, such as the rest of backward. The counter wraps around; reached()
// compares modulo 2^32.
#pragma once

#include <atomic>
#include <cstdint>

namespace cohort {

struct ShmCounter {
  std::atomic<uint32_t> value{0};
  std::atomic<uint32_t> sleepers{0};  // waiters asleep on `value`

  // Sets the counter and wakes whoever sleeps on it.
  void publish(uint32_t v);
  // Returns once the counter has reached `target`.
  void waitFor(uint32_t target) const;

  static bool reached(uint32_t value, uint32_t target) {
    return static_cast<int32_t>(value - target) >= 0;
  }
};

static_assert(std::atomic<uint32_t>::is_always_lock_free, "shared counters must be lock-free");

}  // namespace cohort
