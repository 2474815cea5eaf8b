// NCCL loaded on first use (Note [NCCL loaded on first use] in
// comm/nccl_library.h): the table fills from the libnccl.so.2 of this
// machine, every entry set, and its calls that need no GPU answer. Runs
// without a GPU.
#include <gtest/gtest.h>

#include "cohort/comm/nccl_library.h"

namespace cohort {
namespace {

TEST(NcclLibrary, LoadsOnFirstUseWithEveryFunction) {
  const NcclLibrary& table = nccl();
  EXPECT_NE(table.getErrorString, nullptr);
  EXPECT_NE(table.getUniqueId, nullptr);
  EXPECT_NE(table.commInitRank, nullptr);
  EXPECT_NE(table.commGetAsyncError, nullptr);
  EXPECT_NE(table.commAbort, nullptr);
  EXPECT_NE(table.commDestroy, nullptr);
  EXPECT_NE(table.allReduce, nullptr);
  EXPECT_NE(table.broadcast, nullptr);
  EXPECT_NE(table.allGather, nullptr);
  EXPECT_EQ(&table, &nccl());  // loaded once
  EXPECT_STRNE(table.getErrorString(ncclInvalidArgument), "");
}

}  // namespace
}  // namespace cohort
