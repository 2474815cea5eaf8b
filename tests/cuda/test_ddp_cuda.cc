// DataParallel on this rank's device (rt.device()): on a GPU it reduces over
// NCCL and must give the single-process gradients; without one, the runtime
// says why and trains on the CPU. Non-finite gradients are found, named by
// bucket and step, and skipped by the loss scaler on either device. Two ranks
// of a machine on one GPU are refused, naming both.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <limits>

#include "cohort/cohort.h"
#include "cohort/ddp/data_parallel.h"
#include "cohort/kernels/cuda/cuda_device.h"
#include "cohort/optim/loss_scaler.h"
#include "cohort/optim/sgd.h"

namespace {

cohort::Runtime& rt() { return *cohort::current(); }

struct Net : torch::nn::Module {
  Net() {
    a = register_module("a", torch::nn::Linear(10, 32));
    unused = register_module("unused", torch::nn::Linear(3, 3));
    b = register_module("b", torch::nn::Linear(32, 4));
  }
  torch::Tensor forward(const torch::Tensor& x) { return b(torch::relu(a(x))); }
  torch::nn::Linear a{nullptr}, unused{nullptr}, b{nullptr};
};

TEST(Device, WithoutAUsableGpuTheRuntimeSaysWhyAndPicksTheCpu) {
  const auto status = cohort::cudaStatus();
  if (status.usable) GTEST_SKIP() << "a GPU is usable here";
  EXPECT_FALSE(status.why.empty());
  EXPECT_TRUE(rt().device().is_cpu());
  try {
    rt().comm(torch::Device(torch::kCUDA, 0));
    FAIL() << "a GPU communicator was made without a usable GPU";
  } catch (const cohort::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(status.why), std::string::npos) << e.what();
  }
}

TEST(Device, DataParallelOnThisRanksDeviceMatchesOneProcess) {
  const torch::Device device = rt().device();
  torch::manual_seed(1 + rt().rank());
  auto net = std::make_shared<Net>();
  net->to(device);
  cohort::DataParallel dp(net);
  EXPECT_EQ(dp.comm().backend(), device.is_cuda() ? "nccl" : "mpi");
  auto ref = std::make_shared<Net>();
  {
    torch::NoGradGuard no_grad;
    auto src = net->parameters();
    auto dst = ref->parameters();
    for (size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i].cpu());
  }
  ref->to(device);
  const int64_t per_rank = 6;
  for (int step = 0; step < 3; ++step) {
    torch::manual_seed(100 + step);
    const auto x = torch::randn({per_rank * rt().size(), 10}).to(device);
    const auto y = torch::randn({per_rank * rt().size(), 4}).to(device);
    net->zero_grad();
    ref->zero_grad();
    torch::mse_loss(net->forward(x.narrow(0, per_rank * rt().rank(), per_rank)),
                    y.narrow(0, per_rank * rt().rank(), per_rank))
        .backward();
    torch::mse_loss(ref->forward(x), y).backward();
    auto got = net->named_parameters();
    for (auto& item : ref->named_parameters()) {
      const auto& want = item.value().grad();
      const auto& have = got[item.key()].grad();
      ASSERT_EQ(have.defined(), want.defined()) << item.key();
      if (!want.defined()) continue;
      EXPECT_TRUE(torch::allclose(have, want, 1e-5, 1e-7))
          << item.key() << " differs by " << (have - want).abs().max().item<double>();
    }
  }
}

TEST(Device, NonFiniteGradientsAreNamedAndTheStepSkipped) {
  const torch::Device device = rt().device();
  auto net = std::make_shared<Net>();
  net->to(device);
  cohort::DataParallel dp(net, rt().comm(), {1e-6, 1e-6});  // a bucket per parameter
  cohort::optim::SGD sgd(net->parameters(), {0.1});
  cohort::optim::LossScaler scaler({1024.0, 2.0, 0.5, 1000});
  const auto x = torch::randn({4, 10}).to(device);

  net->zero_grad();
  scaler.scale(net->forward(x).pow(2).mean()).backward();
  EXPECT_TRUE(dp.checkGradients().finite());
  EXPECT_TRUE(scaler.step(dp, sgd));

  net->zero_grad();
  auto loss = net->forward(x).pow(2).mean();
  // Every rank's a.weight gradient is poisoned: the reduced one holds a NaN.
  net->a->weight.register_hook([](torch::Tensor g) {
    g = g.clone();
    g[0][0] = std::numeric_limits<float>::quiet_NaN();
    return g;
  });
  scaler.scale(loss).backward();
  const auto before = net->a->weight.detach().clone();
  const cohort::GradientReport report = dp.checkGradients();
  EXPECT_FALSE(report.finite());
  ASSERT_EQ(report.bad_buckets.size(), 1u);
  EXPECT_EQ(report.bad_buckets[0].second, std::vector<std::string>{"a.weight"});
  EXPECT_NE(report.describe().find("in bucket"), std::string::npos) << report.describe();
  EXPECT_NE(report.describe().find("at step 2"), std::string::npos) << report.describe();
  EXPECT_FALSE(scaler.step(dp, sgd));
  EXPECT_EQ(scaler.currentScale(), 512.0);
  EXPECT_TRUE(torch::equal(before, net->a->weight.detach())) << "a skipped step changed a weight";
}

TEST(Device, TwoRanksOfAMachineOnOneGpuAreRefused) {
  const auto status = cohort::cudaStatus();
  if (!status.usable || rt().size() != 2 || rt().localSize() != 2) {
    GTEST_SKIP() << "needs 2 ranks on one machine with a usable GPU";
  }
  try {
    rt().comm(torch::Device(torch::kCUDA, 0));  // both ranks ask for GPU 0
    FAIL() << "two ranks were allowed onto one GPU";
  } catch (const cohort::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("ranks 0 and 1 both use the GPU at"), std::string::npos)
        << e.what();
  }
}

}  // namespace
