// DataParallel with compress=bf16/fp16 (Note [Compressed buckets]).
//
// Run with COHORT_SHM=off every bucket crosses between ranks as 16-bit values
// (as between machines), and these tests check the stated error bound of one
// step and the error feedback over many: the reduced gradients of K steps add
// up to the exact sums less the residuals left at the end. With shared memory
// on one machine nothing crosses: the result is float32's and the residuals
// stay zero.
#include <gtest/gtest.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "cohort/cohort.h"
#include "cohort/ddp/data_parallel.h"

namespace {

cohort::Runtime& rt() { return *cohort::current(); }

bool crossesAsSixteenBits() {
  const char* shm = std::getenv("COHORT_SHM");
  return rt().size() > 1 && shm != nullptr && std::string(shm) == "off";
}

// Unit roundoff of the 16-bit type: half the distance from 1 to the next value.
double unitRoundoff(cohort::Compression c) {
  return c == cohort::Compression::kBf16 ? std::ldexp(1.0, -8) : std::ldexp(1.0, -11);
}

torch::nn::Sequential makeNet() {
  return torch::nn::Sequential(torch::nn::Linear(8, 32), torch::nn::Tanh(),
                               torch::nn::Linear(32, 4));
}

// This rank's batch of step `step`: different on every rank and step.
std::pair<torch::Tensor, torch::Tensor> batchOf(int step) {
  torch::manual_seed(1000 * step + rt().rank());
  return {torch::randn({6, 8}), torch::randn({6, 4})};
}

// The gradients of `net` on this rank's batch of `step`, computed by `local`,
// a copy of `net` that DataParallel does not reduce.
std::vector<torch::Tensor> localGradients(torch::nn::Sequential& local, int step) {
  auto [x, y] = batchOf(step);
  local->zero_grad();
  torch::nn::functional::mse_loss(local->forward(x), y).backward();
  std::vector<torch::Tensor> grads;
  for (auto& p : local->parameters()) grads.push_back(p.grad().clone());
  return grads;
}

torch::nn::Sequential copyOf(torch::nn::Sequential& net) {
  auto copy = makeNet();
  torch::NoGradGuard no_grad;
  auto src = net->parameters();
  auto dst = copy->parameters();
  for (size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
  return copy;
}

// Sum over ranks, in float64.
torch::Tensor sumOverRanks(const torch::Tensor& t) {
  torch::Tensor wide = t.to(torch::kDouble).contiguous();
  rt().comm().allreduce(wide, cohort::ReduceOp::kSum);
  return wide;
}

class CompressedDdp : public ::testing::TestWithParam<cohort::Compression> {};

TEST_P(CompressedDdp, OneStepIsWithinTheStatedBound) {
  torch::manual_seed(7);
  auto net = makeNet();
  cohort::DataParallelOptions options;
  options.compress = GetParam();
  cohort::DataParallel dp(net.ptr(), rt().comm(), options);
  ASSERT_EQ(dp.compression(), GetParam());
  auto local = copyOf(net);
  const double world = rt().size();

  auto [x, y] = batchOf(0);
  net->zero_grad();
  torch::nn::functional::mse_loss(net->forward(x), y).backward();
  const auto mine = localGradients(local, 0);
  auto params = net->parameters();
  double largest_error = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    const torch::Tensor v = mine[i] / world;  // what this rank put into its bucket
    const torch::Tensor exact = sumOverRanks(v);
    const torch::Tensor got = params[i].grad().to(torch::kDouble);
    const torch::Tensor error = (got - exact).abs();
    largest_error = std::max(largest_error, error.max().item<double>());
    if (!crossesAsSixteenBits()) {
      // Summed in float32 where it lies: float32's rounding only.
      EXPECT_TRUE(torch::allclose(got, exact, 1e-5, 1e-7)) << "parameter " << i;
      continue;
    }
    // The bound: each v rounded once (u |v|), the float32 sum of the rounded
    // copies rounded once more (u |sum|), so |error| <= u (2 + u) sum |v|,
    // plus float32's own rounding of the sum.
    const double u = unitRoundoff(GetParam());
    // float16 values below 2^-14 are subnormal, with a fixed spacing of
    // 2^-24: at most half of it lost per rounding, two roundings.
    const torch::Tensor bound =
        sumOverRanks(v.abs()) * (u * (2 + u)) + 1e-7 * exact.abs() + std::ldexp(1.0, -24);
    EXPECT_TRUE((error <= bound).all().item<bool>())
        << "parameter " << i << ": error " << error.max().item<double>() << " over the bound "
        << ((error - bound).max().item<double>()) << " beyond";
  }
  if (crossesAsSixteenBits()) {
    EXPECT_GT(largest_error, 0) << "nothing was rounded: the gradients did not travel compressed";
  } else {
    for (size_t b = 0; b < dp.buckets().size(); ++b) {
      EXPECT_EQ(dp.residual(static_cast<int>(b)).abs().max().item<float>(), 0)
          << "bucket " << b << ": nothing crossed, so nothing may have been rounded";
    }
  }
}

TEST_P(CompressedDdp, ManyStepsAddUpToTheExactSumsLessTheLastResiduals) {
  torch::manual_seed(8);
  auto net = makeNet();
  cohort::DataParallelOptions options;
  options.compress = GetParam();
  cohort::DataParallel dp(net.ptr(), rt().comm(), options);
  auto local = copyOf(net);
  const double world = rt().size();
  auto params = net->parameters();

  constexpr int kSteps = 40;
  std::vector<torch::Tensor> got_sum, exact_sum, magnitude, one_step_error;
  for (auto& p : params) {
    got_sum.push_back(torch::zeros_like(p, torch::kDouble));
    exact_sum.push_back(torch::zeros_like(p, torch::kDouble));
    magnitude.push_back(torch::zeros_like(p, torch::kDouble));
  }
  for (int step = 0; step < kSteps; ++step) {
    auto [x, y] = batchOf(step);
    net->zero_grad();  // no optimizer step: the weights, and so `local`, stay as they are
    torch::nn::functional::mse_loss(net->forward(x), y).backward();
    const auto mine = localGradients(local, step);
    for (size_t i = 0; i < params.size(); ++i) {
      got_sum[i] += params[i].grad().to(torch::kDouble);
      exact_sum[i] += sumOverRanks(mine[i] / world);
      magnitude[i] += sumOverRanks((mine[i] / world).abs());
      if (step == 0) one_step_error.push_back((got_sum[i] - exact_sum[i]).abs().max());
    }
  }
  // Every rank's residuals, summed, mapped back onto the parameters through
  // the bucket layout: sender halves [0, n) and owner halves [n, 2n).
  std::vector<torch::Tensor> left(params.size());
  const auto& buckets = dp.buckets();
  for (size_t b = 0; b < buckets.size(); ++b) {
    const torch::Tensor r = dp.residual(static_cast<int>(b));
    ASSERT_TRUE(r.defined());
    const int64_t n = r.numel() / 2;
    const torch::Tensor both = sumOverRanks(r.narrow(0, 0, n) + r.narrow(0, n, n));
    for (size_t s = 0; s < buckets[b].params.size(); ++s) {
      const int p = buckets[b].params[s];
      left[p] = both.narrow(0, buckets[b].offsets[s], params[p].numel()).view(params[p].sizes());
    }
  }
  double sensitivity = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    const torch::Tensor drift = (got_sum[i] + left[i] - exact_sum[i]).abs();
    // Only float32's own rounding remains: a few units of 2^-24 of each
    // step's magnitudes (the scaling by 1/world, the residual added, the
    // float32 sum of the chunks).
    const torch::Tensor tolerance = magnitude[i] * std::ldexp(8.0, -24) + 1e-12;
    EXPECT_TRUE((drift <= tolerance).all().item<bool>())
        << "parameter " << i << ": drift " << drift.max().item<double>() << " against "
        << tolerance.max().item<double>();
    sensitivity =
        std::max(sensitivity, one_step_error[i].item<double>() / tolerance.max().item<double>());
  }
  if (crossesAsSixteenBits()) {
    // The check above must be able to fail: without the residuals, one step's
    // rounding alone would exceed its tolerance many times over.
    EXPECT_GT(sensitivity, 10);
  }
}

INSTANTIATE_TEST_SUITE_P(Types, CompressedDdp,
                         ::testing::Values(cohort::Compression::kBf16, cohort::Compression::kFp16),
                         [](const auto& info) { return cohort::compressionName(info.param); });

// Buckets of more than 64 Ki elements go between ranks as Note [Bucket
// exchange] says (with COHORT_SHM=off), float32 on the wire: the average to
// float32's rounding, the same on every rank.
TEST(Float32Buckets, LargeBucketsAreTheAverage) {
  torch::manual_seed(9);
  auto net = torch::nn::Sequential(torch::nn::Linear(8, 400), torch::nn::Tanh(),
                                   torch::nn::Linear(400, 400), torch::nn::Tanh(),
                                   torch::nn::Linear(400, 4));
  cohort::DataParallelOptions options;
  options.compress = cohort::Compression::kNone;
  cohort::DataParallel dp(net.ptr(), rt().comm(), options);
  bool large = false;
  for (const auto& b : dp.buckets()) large = large || b.numel > 64 * 1024;
  ASSERT_TRUE(large) << "no bucket is large enough to take the exchange";
  auto params = net->parameters();
  std::vector<torch::Tensor> before;
  for (auto& p : params) before.push_back(p.detach().clone());
  torch::manual_seed(50 + rt().rank());
  const torch::Tensor x = torch::randn({6, 8}), y = torch::randn({6, 4});
  torch::nn::functional::mse_loss(net->forward(x), y).backward();
  // Each rank's own gradient, from a copy that is not reduced.
  auto copy = torch::nn::Sequential(torch::nn::Linear(8, 400), torch::nn::Tanh(),
                                    torch::nn::Linear(400, 400), torch::nn::Tanh(),
                                    torch::nn::Linear(400, 4));
  {
    torch::NoGradGuard no_grad;
    auto dst = copy->parameters();
    for (size_t i = 0; i < dst.size(); ++i) dst[i].copy_(before[i]);
  }
  torch::nn::functional::mse_loss(copy->forward(x), y).backward();
  auto mine = copy->parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    const torch::Tensor exact = sumOverRanks(mine[i].grad() / static_cast<double>(rt().size()));
    const torch::Tensor got = params[i].grad().to(torch::kDouble);
    EXPECT_TRUE(torch::allclose(got, exact, 1e-5, 1e-8))
        << "parameter " << i << ": max difference " << (got - exact).abs().max().item<double>();
    // Identical on every rank.
    EXPECT_TRUE(torch::equal(sumOverRanks(got), got * rt().size())) << "parameter " << i;
  }
}

TEST(CompressedDdpConstruction, RefusesGradientsThatAreNotFloat32) {
  auto net = makeNet();
  net->to(torch::kDouble);
  cohort::DataParallelOptions options;
  options.compress = cohort::Compression::kBf16;
  try {
    cohort::DataParallel dp(net.ptr(), rt().comm(), options);
    FAIL() << "float64 gradients were accepted for bf16 compression";
  } catch (const cohort::ConfigError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("compress=bf16"), std::string::npos) << what;
    EXPECT_NE(what.find("Double"), std::string::npos) << what;
    EXPECT_NE(what.find("float32"), std::string::npos) << what;
  }
}

TEST(CompressedDdpConstruction, NoneIsFloat32AndTheDefault) {
  auto net = makeNet();
  cohort::DataParallel dp(net.ptr(), rt().comm());
  EXPECT_EQ(dp.compression(), rt().settings().compress);
  cohort::DataParallelOptions options;
  options.compress = cohort::Compression::kNone;
  cohort::DataParallel plain(makeNet().ptr(), rt().comm(), options);
  EXPECT_FALSE(plain.residual(0).defined());
}

}  // namespace
