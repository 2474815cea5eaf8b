// cohort's fused SGD and AdamW against libtorch's own torch::optim::SGD and
// AdamW: the same model, data and hyper-parameters, 100 steps, and the
// parameters must agree all along. On the CPU always; on the GPU too when one
// is usable (the CUDA kernels apply the same functors).
#include <gtest/gtest.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>
#include <torch/utils.h>

#include <functional>
#include <memory>

#include "cohort/core/error.h"
#include "cohort/kernels/cuda/cuda_device.h"
#include "cohort/optim/adamw.h"
#include "cohort/optim/sgd.h"

namespace {

struct Mlp : torch::nn::Module {
  Mlp() {
    a = register_module("a", torch::nn::Linear(13, 37));
    b = register_module("b", torch::nn::Linear(37, 5));
  }
  torch::Tensor forward(const torch::Tensor& x) { return b(torch::tanh(a(x))); }
  torch::nn::Linear a{nullptr}, b{nullptr};
};

// Two identical models on `device`.
std::pair<std::shared_ptr<Mlp>, std::shared_ptr<Mlp>> twins(const torch::Device& device) {
  torch::manual_seed(3);
  auto ours = std::make_shared<Mlp>(), theirs = std::make_shared<Mlp>();
  torch::NoGradGuard no_grad;
  auto src = ours->parameters();
  auto dst = theirs->parameters();
  for (size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
  ours->to(device);
  theirs->to(device);
  return {ours, theirs};
}

double maxRelativeDifference(Mlp& a, Mlp& b) {
  double worst = 0;
  auto pa = a.parameters(), pb = b.parameters();
  for (size_t i = 0; i < pa.size(); ++i) {
    const double scale = pb[i].abs().max().item<double>() + 1e-12;
    worst = std::max(worst, (pa[i] - pb[i]).abs().max().item<double>() / scale);
  }
  return worst;
}

// Trains both models 100 steps on the same batches, each with its optimizer.
void trainSideBySide(const torch::Device& device, Mlp& ours, Mlp& theirs,
                     const std::function<void()>& our_step, const std::function<void()>& their_step,
                     double tolerance) {
  torch::manual_seed(11);
  for (int step = 0; step < 100; ++step) {
    const auto x = torch::randn({16, 13}).to(device);
    const auto y = torch::randn({16, 5}).to(device);
    for (Mlp* net : {&ours, &theirs}) {
      net->zero_grad();
      torch::mse_loss(net->forward(x), y).backward();
    }
    our_step();
    their_step();
    ASSERT_LE(maxRelativeDifference(ours, theirs), tolerance) << "after step " << step + 1;
  }
}

class FusedOptimizers : public ::testing::TestWithParam<const char*> {
 protected:
  torch::Device device() {
    const std::string name = GetParam();
    if (name == "cuda") {
      const auto status = cohort::cudaStatus();
      if (!status.usable) return torch::Device(torch::kCPU);
      return torch::Device(torch::kCUDA, 0);
    }
    return torch::Device(torch::kCPU);
  }
  void SetUp() override {
    if (std::string(GetParam()) == "cuda" && !cohort::cudaStatus().usable) {
      GTEST_SKIP() << "no usable GPU: " << cohort::cudaStatus().why;
    }
  }
};

TEST_P(FusedOptimizers, SgdWithMomentumAndWeightDecayMatchesLibtorch) {
  auto [ours, theirs] = twins(device());
  cohort::optim::SGD fused(ours->parameters(), {0.05, 0.9, 0.0, 1e-3, false});
  torch::optim::SGD reference(theirs->parameters(),
                              torch::optim::SGDOptions(0.05).momentum(0.9).weight_decay(1e-3));
  trainSideBySide(
      device(), *ours, *theirs, [&] { fused.step(); }, [&] { reference.step(); }, 1e-5);
}

TEST_P(FusedOptimizers, SgdNesterovAndPlainMatchLibtorch) {
  for (bool nesterov : {true, false}) {
    auto [ours, theirs] = twins(device());
    const double momentum = nesterov ? 0.8 : 0.0;
    cohort::optim::SGD fused(ours->parameters(), {0.1, momentum, 0.0, 0.0, nesterov});
    torch::optim::SGD reference(
        theirs->parameters(), torch::optim::SGDOptions(0.1).momentum(momentum).nesterov(nesterov));
    trainSideBySide(
        device(), *ours, *theirs, [&] { fused.step(); }, [&] { reference.step(); }, 1e-5);
  }
}

TEST_P(FusedOptimizers, AdamWMatchesLibtorch) {
  auto [ours, theirs] = twins(device());
  cohort::optim::AdamW fused(ours->parameters(), {2e-3, 0.9, 0.99, 1e-8, 0.05});
  torch::optim::AdamW reference(
      theirs->parameters(),
      torch::optim::AdamWOptions(2e-3).betas({0.9, 0.99}).eps(1e-8).weight_decay(0.05));
  trainSideBySide(
      device(), *ours, *theirs, [&] { fused.step(); }, [&] { reference.step(); }, 1e-5);
}

// bfloat16 parameters with float32 master weights follow a float32 run to
// within bfloat16's precision (8 bits of mantissa).
TEST_P(FusedOptimizers, BFloat16ParametersWithMasterWeightsTrackFloat32) {
  auto [low, full] = twins(device());
  low->to(torch::kBFloat16);
  cohort::optim::AdamW fused_low(low->parameters(), {1e-3, 0.9, 0.999, 1e-8, 0.0});
  cohort::optim::AdamW fused_full(full->parameters(), {1e-3, 0.9, 0.999, 1e-8, 0.0});
  torch::manual_seed(5);
  for (int step = 0; step < 100; ++step) {
    const auto x = torch::randn({16, 13}).to(device());
    const auto y = torch::randn({16, 5}).to(device());
    low->zero_grad();
    full->zero_grad();
    torch::mse_loss(low->forward(x.to(torch::kBFloat16)).to(torch::kFloat), y).backward();
    torch::mse_loss(full->forward(x), y).backward();
    fused_low.step();
    fused_full.step();
  }
  auto pl = low->parameters(), pf = full->parameters();
  for (size_t i = 0; i < pl.size(); ++i) {
    const double diff = (pl[i].to(torch::kFloat) - pf[i]).abs().max().item<double>();
    EXPECT_LT(diff, 0.05) << "parameter " << i;  // bf16 gradients; the steps are 1e-3
    EXPECT_GT((pl[i].to(torch::kFloat) - pf[i]).abs().max().item<double>(), 0) << "identical?";
  }
}

TEST_P(FusedOptimizers, ParametersWithoutGradientsAreLeftAlone) {
  auto [ours, theirs] = twins(device());
  cohort::optim::AdamW fused(ours->parameters(), {});
  const auto before = ours->b->weight.clone();
  torch::mse_loss(ours->a(torch::randn({4, 13}).to(device())), torch::zeros({4, 37}).to(device()))
      .backward();
  fused.step();
  EXPECT_TRUE(torch::equal(before, ours->b->weight));
  EXPECT_FALSE(torch::equal(ours->a->weight, theirs->a->weight));
}

TEST_P(FusedOptimizers, CheckGradientsFindsTheNormAndNonFiniteValues) {
  auto [ours, theirs] = twins(device());
  cohort::optim::SGD fused(ours->parameters(), {0.1});
  torch::mse_loss(ours->forward(torch::randn({8, 13}).to(device())),
                  torch::randn({8, 5}).to(device()))
      .backward();
  double squares = 0;
  for (auto& p : ours->parameters()) squares += p.grad().pow(2).sum().item<double>();
  auto check = fused.checkGradients();
  EXPECT_NEAR(check.sum_of_squares, squares, 1e-6 * squares);
  EXPECT_EQ(check.non_finite, 0u);
  ours->b->bias.mutable_grad()[2] = std::numeric_limits<float>::quiet_NaN();
  ours->a->weight.mutable_grad()[0][0] = std::numeric_limits<float>::infinity();
  check = fused.checkGradients();
  EXPECT_EQ(check.non_finite, 2u);
}

// zeroGrad() releases gradients, so the next backward hands over fresh
// tensors; zeroGrad(false) zeroes them where they are.
TEST_P(FusedOptimizers, ZeroGradReleasesOrZeroesInPlace) {
  auto [ours, theirs] = twins(device());
  cohort::optim::SGD fused(ours->parameters(), {0.1});
  auto backward = [&] {
    torch::mse_loss(ours->forward(torch::randn({8, 13}).to(device())),
                    torch::randn({8, 5}).to(device()))
        .backward();
  };
  backward();
  std::vector<const void*> homes;
  for (auto& p : ours->parameters()) homes.push_back(p.grad().data_ptr());
  fused.zeroGrad(/*set_to_none=*/false);
  auto params = ours->parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    ASSERT_TRUE(params[i].grad().defined());
    EXPECT_EQ(params[i].grad().data_ptr(), homes[i]);
    EXPECT_EQ(params[i].grad().abs().sum().item<double>(), 0.0);
  }
  fused.zeroGrad();
  for (auto& p : params) EXPECT_FALSE(p.grad().defined());
  const auto before = params[0].detach().clone();
  fused.step();  // nothing to apply
  EXPECT_TRUE(params[0].detach().equal(before));
  backward();
  for (auto& p : params) EXPECT_TRUE(p.grad().defined());
}

INSTANTIATE_TEST_SUITE_P(Devices, FusedOptimizers, ::testing::Values("cpu", "cuda"),
                         [](const auto& info) { return std::string(info.param); });

TEST(FusedOptimizerErrors, UnsupportedParametersAreRefused) {
  auto p = torch::zeros({3}, torch::kDouble).requires_grad_();
  EXPECT_THROW(cohort::optim::SGD({p}, {0.1}), cohort::ConfigError);
  auto q = torch::zeros({4, 4}).t().requires_grad_();  // not contiguous
  EXPECT_THROW(cohort::optim::AdamW({q}, {}), cohort::ConfigError);
  EXPECT_THROW(cohort::optim::SGD({torch::zeros({2}).requires_grad_()},
                                  {0.1, 0.0, 0.0, 0.0, /*nesterov=*/true}),
               cohort::ConfigError);
}

}  // namespace
