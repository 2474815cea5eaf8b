// forEachPart (storage/parts.h): every part runs once, the in-order calls
// come in order with nothing before them unfinished, the window bounds how
// far ahead the workers get, and a failure stops the handing out of parts.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "cohort/storage/parts.h"

namespace cohort::storage {
namespace {

TEST(ForEachPart, EveryPartOnceAndInOrder) {
  for (int threads : {1, 3, 8}) {
    std::vector<std::atomic<int>> runs(100);
    std::vector<int64_t> order;
    std::atomic<int64_t> ordered{5};
    std::atomic<int64_t> most_ahead{0};
    forEachPart(
        5, 100, threads, 6,
        [&](int64_t p) {
          most_ahead = std::max<int64_t>(most_ahead, p - ordered);
          std::this_thread::sleep_for(std::chrono::microseconds((p * 7919) % 300));
          ++runs[static_cast<size_t>(p)];
        },
        [&](int64_t p) {
          for (int64_t q = 5; q <= p; ++q) EXPECT_EQ(runs[static_cast<size_t>(q)], 1) << q;
          order.push_back(p);
          ordered = p + 1;
        });
    for (int64_t p = 0; p < 100; ++p) EXPECT_EQ(runs[static_cast<size_t>(p)], p < 5 ? 0 : 1) << p;
    ASSERT_EQ(order.size(), 95u);
    for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(order[i], static_cast<int64_t>(i) + 5);
    EXPECT_LT(most_ahead, 6) << threads << " threads";
  }
}

TEST(ForEachPart, AFailureStopsTheRestAndIsRethrown) {
  std::atomic<int> started{0};
  EXPECT_THROW(forEachPart(
                   0, 1000, 4, 8,
                   [&](int64_t p) {
                     ++started;
                     if (p == 10) throw std::runtime_error("part 10");
                   },
                   [](int64_t) {}),
               std::runtime_error);
  EXPECT_LT(started, 40);
}

}  // namespace
}  // namespace cohort::storage
