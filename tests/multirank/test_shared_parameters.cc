// DataParallel's share_parameters (Note [Shared parameters]): one copy of the
// parameters and optimizer state per machine, each rank updating its share.
// Training must match private replicas bit for bit, the memory must really be
// one copy, and the misuses the contract forbids must be refused.
#include <gtest/gtest.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/utils.h>

#include <string>
#include <utility>
#include <vector>

#include "cohort/cohort.h"
#include "cohort/ddp/data_parallel.h"
#include "cohort/optim/adamw.h"
#include "cohort/optim/sgd.h"
#include "collective_data.h"

namespace cohort {
namespace {
using namespace cohort::testing;  // NOLINT: the shared test helpers

constexpr int kBatch = 12;  // divisible by 1, 2 and 3 ranks

// Odd widths, so shares end inside parameters; `unused` never gets a gradient.
struct Net : torch::nn::Module {
  Net() {
    fc1 = register_module("fc1", torch::nn::Linear(13, 37));
    fc2 = register_module("fc2", torch::nn::Linear(37, 29));
    unused = register_module("unused", torch::nn::Linear(29, 3));
    head = register_module("head", torch::nn::Linear(29, 5));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    return head(torch::relu(fc2(torch::relu(fc1(x)))));
  }
  torch::nn::Linear fc1{nullptr}, fc2{nullptr}, unused{nullptr}, head{nullptr};
};

std::shared_ptr<Net> copyOf(Net& net) {
  auto out = std::make_shared<Net>();
  torch::NoGradGuard no_grad;
  auto src = net.named_parameters();
  for (auto& item : out->named_parameters()) item.value().copy_(src[item.key()]);
  return out;
}

// This rank's rows of a global batch that every rank draws alike.
std::pair<torch::Tensor, torch::Tensor> batch(int step) {
  torch::manual_seed(50 + step);
  const torch::Tensor x = torch::randn({kBatch, 13});
  const torch::Tensor y = torch::randn({kBatch, 5});
  const int64_t n = kBatch / worldSize();
  return {x.narrow(0, rank() * n, n), y.narrow(0, rank() * n, n)};
}

void trainStep(Net& net, optim::FusedOptimizer& opt, int step) {
  opt.zeroGrad();
  const auto [x, y] = batch(step);
  torch::mse_loss(net.forward(x), y).backward();
  opt.step();
}

template <typename Optimizer, typename Options>
void expectSameTrainingAsPrivateReplicas(Options options) {
  torch::manual_seed(3);
  auto shared_net = std::make_shared<Net>();
  auto private_net = copyOf(*shared_net);
  DataParallel shared_dp(shared_net, comm(), {0, 0, /*share_parameters=*/true});
  DataParallel private_dp(private_net, comm());
  EXPECT_EQ(shared_dp.sharesParameters(), expectShm());
  Optimizer shared_opt(shared_net->parameters(), options);
  Optimizer private_opt(private_net->parameters(), options);
  EXPECT_EQ(shared_opt.sharedBy(), expectShm() ? worldSize() : 1);

  for (int step = 0; step < 4; ++step) {
    trainStep(*shared_net, shared_opt, step);
    trainStep(*private_net, private_opt, step);
    auto want = private_net->named_parameters();
    for (auto& item : shared_net->named_parameters()) {
      EXPECT_TRUE(torch::equal(item.value(), want[item.key()]))
          << item.key() << " after step " << step << ": max difference "
          << (item.value() - want[item.key()]).abs().max().item<double>();
    }
    EXPECT_FALSE(shared_net->unused->weight.grad().defined());
  }
  // Every rank sees the whole state, whoever updated it (what checkpoints save).
  const auto got = shared_opt.state();
  const auto want = private_opt.state();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_TRUE(torch::equal(got[i].second, want[i].second)) << got[i].first;
  }
}

TEST(SharedParameters, SgdTrainsLikePrivateReplicas) {
  expectSameTrainingAsPrivateReplicas<optim::SGD>(
      optim::SgdOptions{0.05, 0.9, 0, 1e-3, /*nesterov=*/true});
}

TEST(SharedParameters, AdamWTrainsLikePrivateReplicas) {
  expectSameTrainingAsPrivateReplicas<optim::AdamW>(optim::AdamWOptions{1e-2});
}

// A write by one rank is seen by the others: one copy, not several.
TEST(SharedParameters, ParametersAreOneCopyPerMachine) {
  auto net = std::make_shared<Net>();
  DataParallel dp(net, comm(), {0, 0, true});
  if (!dp.sharesParameters()) GTEST_SKIP() << "no shared memory between ranks here";
  torch::NoGradGuard no_grad;
  const int last = worldSize() - 1;
  if (rank() == last) net->head->bias.fill_(42.0f + last);
  comm().barrier();
  EXPECT_TRUE(torch::equal(net->head->bias, torch::full({5}, 42.0f + last)));
}

TEST(SharedParameters, OptimizerBuiltBeforeDataParallelRefusesToStep) {
  auto net = std::make_shared<Net>();
  optim::SGD early(net->parameters(), {0.1, 0.9});
  DataParallel dp(net, comm(), {0, 0, true});
  early.zeroGrad();
  const auto [x, y] = batch(0);
  torch::mse_loss(net->forward(x), y).backward();
  if (!dp.sharesParameters()) {
    EXPECT_NO_THROW(early.step());  // nothing moved: private replicas as usual
    return;
  }
  try {
    early.step();
    ADD_FAILURE() << "an optimizer built before share_parameters stepped";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("after it was built"), std::string::npos) << e.what();
  }
}

TEST(SharedParameters, OneOptimizerOverSharedAndPrivateParametersIsRefused) {
  auto net = std::make_shared<Net>();
  DataParallel dp(net, comm(), {0, 0, true});
  if (!dp.sharesParameters()) GTEST_SKIP() << "no shared memory between ranks here";
  std::vector<at::Tensor> params = net->parameters();
  params.push_back(torch::zeros({4}, torch::requires_grad()));
  EXPECT_THROW(optim::SGD(params, {0.1, 0.9}), ConfigError);
}

// Resuming writes every share of the state, and every rank then reads all of it.
TEST(SharedParameters, LoadStateFillsTheWholeSharedState) {
  torch::manual_seed(4);
  auto net = std::make_shared<Net>();
  DataParallel dp(net, comm(), {0, 0, true});
  optim::AdamW trained(net->parameters(), optim::AdamWOptions{1e-2});
  for (int step = 0; step < 2; ++step) trainStep(*net, trained, step);
  std::vector<std::pair<std::string, at::Tensor>> saved;
  for (const auto& [name, t] : trained.state()) saved.emplace_back(name, t.clone());

  optim::AdamW resumed(net->parameters(), optim::AdamWOptions{1e-2});
  for (const auto& [name, t] : resumed.state())
    EXPECT_EQ(t.abs().sum().item<double>(), 0.0) << name;
  comm().barrier();  // nobody writes the shared state before everyone has looked
  resumed.loadState(saved, trained.steps(), trained.stepped());
  const auto got = resumed.state();
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_TRUE(torch::equal(got[i].second, saved[i].second)) << got[i].first;
  }
}

}  // namespace
}  // namespace cohort
