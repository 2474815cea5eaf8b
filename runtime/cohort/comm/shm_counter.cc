#include "cohort/comm/shm_counter.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>

namespace cohort {

namespace {

constexpr int kSpins = 2000;  // about a microsecond or two before sleeping

inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Shared (not private) futexes: the word lives in memory shared between processes.
void futexWait(const std::atomic<uint32_t>* word, uint32_t expected) {
  syscall(SYS_futex, reinterpret_cast<const uint32_t*>(word), FUTEX_WAIT, expected, nullptr,
          nullptr, 0);
}

void futexWakeAll(std::atomic<uint32_t>* word) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
}

}  // namespace

void ShmCounter::publish(uint32_t v) {
  value.store(v, std::memory_order_seq_cst);
  // Paired with the waiter's increment and re-check: either it sees the new
  // value, or we see it asleep (or about to be) and wake it.
  if (sleepers.load(std::memory_order_seq_cst) > 0) futexWakeAll(&value);
}

void ShmCounter::waitFor(uint32_t target) const {
  for (int i = 0; i < kSpins; ++i) {
    if (reached(value.load(std::memory_order_acquire), target)) return;
    cpuRelax();
  }
  auto& count = const_cast<std::atomic<uint32_t>&>(sleepers);
  while (true) {
    count.fetch_add(1, std::memory_order_seq_cst);
    const uint32_t now = value.load(std::memory_order_seq_cst);
    if (reached(now, target)) {
      count.fetch_sub(1, std::memory_order_relaxed);
      return;
    }
    futexWait(&value, now);  // returns at once if the value has moved on
    count.fetch_sub(1, std::memory_order_relaxed);
    if (reached(value.load(std::memory_order_acquire), target)) return;
  }
}

}  // namespace cohort
