// Gradient bucket planning (cohort/ddp/bucket_plan.h): reverse order, the
// first-bucket cap then the regular cap, oversized parameters alone, one dtype
// per bucket, empty parameters skipped, and a plan that covers every parameter
// exactly once with contiguous offsets.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "cohort/core/error.h"
#include "cohort/ddp/bucket_plan.h"

namespace cohort {
namespace {

constexpr int kFloat = 6;  // any ids will do; these mimic c10's
constexpr int kHalf = 5;

ParamInfo param(int64_t numel, int dtype = kFloat, int64_t element_size = 4) {
  return ParamInfo{numel, element_size, dtype};
}

std::vector<std::vector<int>> indices(const std::vector<BucketSpec>& plan) {
  std::vector<std::vector<int>> out;
  for (const BucketSpec& b : plan) out.push_back(b.params);
  return out;
}

int64_t bytes(const BucketSpec& b, const std::vector<ParamInfo>& params) {
  int64_t total = 0;
  for (int i : b.params) total += params[i].numel * params[i].element_size;
  return total;
}

// What every plan must satisfy, whatever the sizes: each non-empty parameter
// in exactly one bucket, empty ones in none; one dtype per bucket; offsets that
// pack the parameters back to back; indices falling within a bucket (the
// reverse order); no bucket over its cap unless it holds one parameter.
void expectWellFormed(const std::vector<BucketSpec>& plan, const std::vector<ParamInfo>& params,
                      int64_t first_cap, int64_t cap) {
  std::vector<int> seen(params.size(), 0);
  for (size_t k = 0; k < plan.size(); ++k) {
    const BucketSpec& b = plan[k];
    SCOPED_TRACE("bucket " + std::to_string(k));
    ASSERT_FALSE(b.params.empty());
    ASSERT_EQ(b.offsets.size(), b.params.size());
    int64_t offset = 0;
    for (size_t j = 0; j < b.params.size(); ++j) {
      const int i = b.params[j];
      ASSERT_GE(i, 0);
      ASSERT_LT(i, static_cast<int>(params.size()));
      ++seen[i];
      EXPECT_EQ(params[i].dtype, b.dtype) << "parameter " << i;
      EXPECT_EQ(b.offsets[j], offset) << "parameter " << i;
      offset += params[i].numel;
      if (j > 0) {
        EXPECT_LT(i, b.params[j - 1]) << "not in reverse order";
      }
    }
    EXPECT_EQ(b.numel, offset);
    const int64_t limit = k == 0 ? first_cap : std::max(first_cap, cap);
    if (b.params.size() > 1) {
      EXPECT_LE(bytes(b, params), limit) << "over its cap";
    }
  }
  for (size_t i = 0; i < params.size(); ++i) {
    EXPECT_EQ(seen[i], params[i].numel == 0 ? 0 : 1) << "parameter " << i;
  }
}

TEST(BucketPlan, SmallParametersShareOneBucketInReverseOrder) {
  std::vector<ParamInfo> params = {param(3), param(5), param(2), param(7)};
  auto plan = planBuckets(params, 1 << 20, 25 << 20);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].params, (std::vector<int>{3, 2, 1, 0}));
  EXPECT_EQ(plan[0].offsets, (std::vector<int64_t>{0, 7, 9, 14}));
  EXPECT_EQ(plan[0].numel, 17);
  EXPECT_EQ(plan[0].dtype, kFloat);
}

TEST(BucketPlan, FirstBucketUsesTheSmallCapThenTheRegularCap) {
  // Ten 400-byte parameters; the first bucket holds 1000 bytes, later ones 2000.
  std::vector<ParamInfo> params(10, param(100));
  auto plan = planBuckets(params, 1000, 2000);
  EXPECT_EQ(indices(plan), (std::vector<std::vector<int>>{{9, 8}, {7, 6, 5, 4, 3}, {2, 1, 0}}));
  expectWellFormed(plan, params, 1000, 2000);
}

TEST(BucketPlan, BucketThatReachesItsCapExactlyIsClosed) {
  std::vector<ParamInfo> params(6, param(250));  // 1000 bytes each
  auto plan = planBuckets(params, 1000, 2000);
  EXPECT_EQ(indices(plan), (std::vector<std::vector<int>>{{5}, {4, 3}, {2, 1}, {0}}));
}

TEST(BucketPlan, ParameterLargerThanTheCapGetsABucketOfItsOwn) {
  std::vector<ParamInfo> params = {param(10), param(10), param(100000), param(10), param(10)};
  auto plan = planBuckets(params, 1000, 1000);
  EXPECT_EQ(indices(plan), (std::vector<std::vector<int>>{{4, 3}, {2}, {1, 0}}));
  expectWellFormed(plan, params, 1000, 1000);
}

TEST(BucketPlan, OversizedLastParameterMakesTheFirstBucket) {
  std::vector<ParamInfo> params = {param(10), param(1000)};
  auto plan = planBuckets(params, 100, 10000);
  EXPECT_EQ(indices(plan), (std::vector<std::vector<int>>{{1}, {0}}));
}

TEST(BucketPlan, DtypesAreNeverMixed) {
  std::vector<ParamInfo> params;
  for (int i = 0; i < 12; ++i) {
    params.push_back(i % 3 == 0 ? param(40, kHalf, 2) : param(20 + i, kFloat, 4));
  }
  auto plan = planBuckets(params, 200, 400);
  expectWellFormed(plan, params, 200, 400);
  int half_buckets = 0;
  for (const BucketSpec& b : plan) half_buckets += b.dtype == kHalf;
  EXPECT_GT(half_buckets, 0);
  EXPECT_LT(half_buckets, static_cast<int>(plan.size()));
}

TEST(BucketPlan, EmptyParametersAreSkipped) {
  std::vector<ParamInfo> params = {param(0), param(4), param(0), param(6), param(0)};
  auto plan = planBuckets(params, 1 << 20, 1 << 20);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].params, (std::vector<int>{3, 1}));
  EXPECT_EQ(plan[0].offsets, (std::vector<int64_t>{0, 6}));
  EXPECT_TRUE(planBuckets({param(0), param(0)}, 100, 100).empty());
  EXPECT_TRUE(planBuckets({}, 100, 100).empty());
}

TEST(BucketPlan, EveryPlanIsWellFormed) {
  // Deterministic pseudo-random models: sizes from 0 to ~2000 elements, two dtypes.
  uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int64_t>(state >> 33);
  };
  for (int model = 0; model < 50; ++model) {
    std::vector<ParamInfo> params;
    const int count = 1 + next() % 40;
    for (int i = 0; i < count; ++i) {
      const bool half = next() % 4 == 0;
      const int64_t numel = next() % 5 == 0 ? 0 : next() % 2000;
      params.push_back(half ? param(numel, kHalf, 2) : param(numel, kFloat, 4));
    }
    const int64_t first_cap = 1 + next() % 4000;
    const int64_t cap = 1 + next() % 16000;
    SCOPED_TRACE("model " + std::to_string(model));
    expectWellFormed(planBuckets(params, first_cap, cap), params, first_cap, cap);
  }
}

TEST(BucketPlan, RejectsCapsThatAreNotPositive) {
  std::vector<ParamInfo> params = {param(4)};
  EXPECT_THROW(planBuckets(params, 0, 100), ConfigError);
  EXPECT_THROW(planBuckets(params, 100, 0), ConfigError);
  EXPECT_THROW(planBuckets(params, -1, 100), ConfigError);
  EXPECT_THROW(planBuckets(params, 100, -5), ConfigError);
}

}  // namespace
}  // namespace cohort
