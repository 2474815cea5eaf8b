// What a gtest program prints when every case skipped and none ran (no GPU
// here, say). CTest reports such a program skipped instead of passed, by
// matching this line (COHORT_NOTHING_RAN in tests/CMakeLists.txt, the same
// text), so a green line always means something ran.
#pragma once

#include <gtest/gtest.h>

namespace cohort::testing {

inline constexpr const char* kNothingRan = "cohort-test: every case skipped, none ran";

// Whether this process ran (passed or failed) any case.
inline bool anyCaseRan() {
  const auto& unit = *::testing::UnitTest::GetInstance();
  return unit.successful_test_count() + unit.failed_test_count() > 0;
}

}  // namespace cohort::testing
