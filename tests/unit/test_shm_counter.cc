// The counters ranks wait on in shared memory (cohort/comm/shm_counter.h),
// exercised by threads: waits end when the value is reached, across the
// wrap-around, and a long wait sleeps instead of burning the core.
#include <gtest/gtest.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "cohort/comm/shm_counter.h"

namespace cohort {
namespace {

double threadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

TEST(ShmCounter, ReachedComparesAcrossTheWrapAround) {
  EXPECT_TRUE(ShmCounter::reached(5, 5));
  EXPECT_TRUE(ShmCounter::reached(6, 5));
  EXPECT_FALSE(ShmCounter::reached(4, 5));
  EXPECT_TRUE(ShmCounter::reached(2, 0xFFFFFFFEu));   // wrapped past the target
  EXPECT_FALSE(ShmCounter::reached(0xFFFFFFFEu, 2));  // not yet wrapped
}

TEST(ShmCounter, WaitEndsOnceEveryStepIsPublished) {
  ShmCounter counter;
  counter.value = 0xFFFFFFF0u;  // the steps below wrap around
  std::atomic<int> seen{0};
  std::thread waiter([&] {
    for (uint32_t step = 1; step <= 40; ++step) {
      counter.waitFor(0xFFFFFFF0u + step);
      seen = static_cast<int>(step);
    }
  });
  for (uint32_t step = 1; step <= 40; ++step) {
    if (step % 8 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    counter.publish(0xFFFFFFF0u + step);
  }
  waiter.join();
  EXPECT_EQ(seen.load(), 40);
}

TEST(ShmCounter, ALongWaitSleepsInsteadOfSpinning) {
  ShmCounter counter;
  double cpu_seconds = -1;
  std::thread waiter([&] {
    const double start = threadCpuSeconds();
    counter.waitFor(1);
    cpu_seconds = threadCpuSeconds() - start;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  counter.publish(1);
  waiter.join();
  EXPECT_LT(cpu_seconds, 0.05) << "the waiter used the core while it waited for 0.3 s";
}

}  // namespace
}  // namespace cohort
