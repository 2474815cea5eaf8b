// The main() of every one-process gtest program: gtest's own, and the line
// of nothing_ran.h when every case skipped.
#include <gtest/gtest.h>

#include <cstdio>

#include "tests/common/nothing_ran.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const int status = RUN_ALL_TESTS();
  if (status == 0 && !cohort::testing::anyCaseRan())
    std::printf("%s\n", cohort::testing::kNothingRan);
  return status;
}
