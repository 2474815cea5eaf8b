// libtorch's optimizers through the Checkpointer (Note [Optimizer state]):
// SGD, Adam, AdamW, RMSprop and Adagrad saved and resumed into a fresh model
// and optimizer continue bit for bit like training that never stopped,
// learning rates of several parameter groups included. A checkpoint resumes
// only into the parts that wrote it: an optimizer left out, added, of another
// kind or over other parameters, and a loader left out or added, are each a
// ConfigError on every rank. The loader continues mid-epoch when the
// trainer's loop calls setEpoch after resume().
#include <gtest/gtest.h>
#include <torch/optim/adagrad.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/lbfgs.h>
#include <torch/optim/rmsprop.h>
#include <torch/optim/sgd.h>
#include <torch/utils.h>

#include <functional>

#include "checkpoint_test_util.h"
#include "cohort/checkpoint/checkpointer.h"
#include "cohort/checkpoint/module_state.h"
#include "cohort/core/error.h"
#include "cohort/optim/adamw.h"
#include "cohort/optim/torch_optimizer_state.h"
#include "cohort/world/runtime.h"
#include "data_test_util.h"

namespace cohort::test {
namespace {

using checkpoint::Checkpointer;
using checkpoint::CheckpointPolicy;
using checkpoint::NamedTensors;
using checkpoint::TrainState;
using MakeOptimizer = std::function<std::unique_ptr<torch::optim::Optimizer>(SmallNet&)>;

CheckpointPolicy syncPolicy() {
  CheckpointPolicy policy;
  policy.async = false;
  policy.retention.keep_last = 0;
  return policy;
}

void expectSame(const NamedTensors& actual, const NamedTensors& expected, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (size_t i = 0; i < actual.size(); ++i) {
    EXPECT_EQ(actual[i].first, expected[i].first) << what;
    EXPECT_TRUE(sameBytes(actual[i].second, expected[i].second))
        << what << ": " << actual[i].first << " differs";
  }
}

void step(SmallNet& net, torch::optim::Optimizer& optimizer) {
  net.train();
  const torch::Tensor x = torch::randn({8, 5});
  const torch::Tensor y = torch::randn({8, net.head->options.out_features()});
  optimizer.zero_grad();
  torch::mse_loss(net.forward(x), y).backward();
  optimizer.step();
}

// Two parameter groups (fc and the rest) with their own learning rates.
std::vector<torch::optim::OptimizerParamGroup> twoGroups(SmallNet& net) {
  std::vector<torch::Tensor> first = net.fc->parameters(), rest;
  for (const auto& p : net.bn->parameters()) rest.push_back(p);
  for (const auto& p : net.head->parameters()) rest.push_back(p);
  return {torch::optim::OptimizerParamGroup(first), torch::optim::OptimizerParamGroup(rest)};
}

struct Kind {
  const char* name;
  MakeOptimizer make;
};

std::vector<Kind> kinds() {
  using namespace torch::optim;
  return {
      {"SGD",
       [](SmallNet& n) {
         return std::make_unique<SGD>(n.parameters(),
                                      SGDOptions(0.05).momentum(0.9).nesterov(true));
       }},
      {"Adam",
       [](SmallNet& n) {
         return std::make_unique<Adam>(n.parameters(), AdamOptions(1e-2).amsgrad(true));
       }},
      {"AdamW",
       [](SmallNet& n) {
         return std::make_unique<AdamW>(twoGroups(n), AdamWOptions(1e-2).weight_decay(0.1));
       }},
      {"RMSprop",
       [](SmallNet& n) {
         return std::make_unique<RMSprop>(n.parameters(),
                                          RMSpropOptions(1e-2).momentum(0.9).centered(true));
       }},
      {"Adagrad",
       [](SmallNet& n) { return std::make_unique<Adagrad>(n.parameters(), AdagradOptions(0.1)); }},
  };
}

class TorchOptimizerResume : public ::testing::TestWithParam<int> {};

TEST_P(TorchOptimizerResume, ContinuesBitForBit) {
  const Kind kind = kinds()[static_cast<size_t>(GetParam())];
  Runtime& rt = *current();
  SharedTempDir dir(rt.comm());
  const std::string checkpoints = (dir.path() / "checkpoints").string();

  torch::manual_seed(7);
  SmallNet net;
  auto opt = kind.make(net);
  for (int s = 0; s < 3; ++s) step(net, *opt);
  // A schedule moved the learning rate of the last group.
  opt->param_groups().back().options().set_lr(0.0123456789);
  NamedTensors model_at_save, optimizer_at_save, model_after;
  {
    Checkpointer ckpt(rt, checkpoints, syncPolicy());
    TrainState state;
    state.step = 3;
    state.model = checkpoint::moduleState(net);
    state.optimizer = opt.get();
    model_at_save = cloneAll(state.model);
    optimizer_at_save = cloneAll(optim::TorchOptimizerState(*opt).tensors());
    ASSERT_FALSE(optimizer_at_save.empty());
    ckpt.save(state);
    for (int s = 0; s < 3; ++s) step(net, *opt);
    model_after = cloneAll(checkpoint::moduleState(net));
  }

  torch::manual_seed(999 + rt.rank());
  SmallNet fresh;
  auto fresh_opt = kind.make(fresh);
  Checkpointer ckpt(rt, checkpoints, syncPolicy());
  TrainState state;
  state.model = checkpoint::moduleState(fresh);
  state.optimizer = fresh_opt.get();
  ASSERT_TRUE(ckpt.resume(state).has_value());
  expectSame(checkpoint::moduleState(fresh), model_at_save, std::string(kind.name) + " model");
  expectSame(optim::TorchOptimizerState(*fresh_opt).tensors(), optimizer_at_save,
             std::string(kind.name) + " state");
  EXPECT_EQ(fresh_opt->param_groups().back().options().get_lr(), 0.0123456789);
  for (int s = 0; s < 3; ++s) step(fresh, *fresh_opt);
  expectSame(checkpoint::moduleState(fresh), model_after,
             std::string(kind.name) + " after three more steps");
}

INSTANTIATE_TEST_SUITE_P(Kinds, TorchOptimizerResume, ::testing::Range(0, 5), [](const auto& info) {
  return std::string(kinds()[static_cast<size_t>(info.param)].name);
});

// What resume() says for `state`, or "(resumed)".
std::string resumeError(const std::string& checkpoints, TrainState state) {
  Checkpointer ckpt(*current(), checkpoints, syncPolicy());
  try {
    ckpt.resume(state);
  } catch (const ConfigError& e) {
    EXPECT_FALSE(e.hint().empty());
    return e.what();
  }
  return "(resumed)";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(TorchOptimizerState, OtherOptimizersAreRefusedOnEveryRank) {
  Runtime& rt = *current();
  SharedTempDir dir(rt.comm());
  const std::string checkpoints = (dir.path() / "checkpoints").string();
  {
    SmallNet net;
    torch::optim::Adam adam(net.parameters(), torch::optim::AdamOptions(1e-2));
    step(net, adam);
    TrainState state;
    state.step = 1;
    state.model = checkpoint::moduleState(net);
    state.optimizer = &adam;
    Checkpointer(rt, checkpoints, syncPolicy()).save(state);
  }
  SmallNet net;
  TrainState state;
  state.model = checkpoint::moduleState(net);
  // No optimizer: Adam's moments would be lost without a word.
  std::string message = resumeError(checkpoints, state);
  EXPECT_TRUE(contains(message, "torch.optim.Adam") && contains(message, "no optimizer"))
      << message;
  // Another kind.
  torch::optim::SGD sgd(net.parameters(), torch::optim::SGDOptions(0.1).momentum(0.9));
  state.optimizer = &sgd;
  message = resumeError(checkpoints, state);
  EXPECT_TRUE(contains(message, "torch.optim.Adam") && contains(message, "torch.optim.SGD"))
      << message;
  // Adam over fewer parameters: the checkpoint has state this one cannot hold.
  torch::optim::Adam partial(net.fc->parameters(), torch::optim::AdamOptions(1e-2));
  state.optimizer = &partial;
  message = resumeError(checkpoints, state);
  EXPECT_TRUE(contains(message, "parameter 2 of group 0")) << message;
  EXPECT_TRUE(partial.state().empty()) << "a refused checkpoint changed the optimizer";
  // Cohort's own optimizer is another kind too.
  optim::AdamW fused(net.parameters(), optim::AdamWOptions{});
  state.optimizer = &fused;
  message = resumeError(checkpoints, state);
  EXPECT_TRUE(contains(message, "cohort.optim.AdamW")) << message;
  // The one that wrote it.
  torch::optim::Adam right(net.parameters(), torch::optim::AdamOptions(1e-2));
  state.optimizer = &right;
  EXPECT_EQ(resumeError(checkpoints, state), "(resumed)");
  EXPECT_EQ(right.state().size(), net.parameters().size());
}

TEST(TorchOptimizerState, LbfgsIsRefused) {
  SmallNet net;
  torch::optim::LBFGS lbfgs(net.parameters(), torch::optim::LBFGSOptions(1));
  EXPECT_THROW(optim::TorchOptimizerState{lbfgs}, ConfigError);
}

// The loader's position: resumed only into a TrainState with a loader, and
// the usual epoch loop continues it where it stopped.
TEST(LoaderResume, TheEpochLoopContinuesMidEpochAndALoaderIsNeverDroppedSilently) {
  Runtime& rt = *current();
  SharedTempDir dir(rt.comm());
  const std::string data = (dir.path() / "data").string();
  if (rt.rank() == 0) packSynthetic(data, 96, 16);
  rt.comm().barrier();
  const std::string checkpoints = (dir.path() / "checkpoints").string();
  SmallNet net;
  std::vector<int64_t> rest_of_epoch;
  {
    data::ShardedLoader loader(syntheticOptions(data, 8, rt.rank(), rt.size()));
    loader.setEpoch(1);
    drain(loader, 3);
    TrainState state;
    state.step = 3;
    state.model = checkpoint::moduleState(net);
    state.loader = &loader;
    Checkpointer(rt, checkpoints, syncPolicy()).save(state);
    rest_of_epoch = drain(loader);
  }
  data::ShardedLoader loader(syntheticOptions(data, 8, rt.rank(), rt.size()));
  TrainState state;
  state.model = checkpoint::moduleState(net);
  std::string message = resumeError(checkpoints, state);
  EXPECT_TRUE(contains(message, "no loader")) << message;
  state.loader = &loader;
  ASSERT_EQ(resumeError(checkpoints, state), "(resumed)");
  EXPECT_EQ(loader.epoch(), 1);
  // Any other epoch would skip the rest of epoch 1.
  EXPECT_THROW(loader.setEpoch(2), ConfigError);
  EXPECT_THROW(loader.setEpoch(0), ConfigError);
  loader.setEpoch(1);  // what `for (e = loader.epoch(); ...) loader.setEpoch(e)` does
  EXPECT_EQ(drain(loader), rest_of_epoch);
  loader.setEpoch(2);  // and the next epoch starts afresh
  EXPECT_EQ(loader.epoch(), 2);

  // A checkpoint without a loader position is not resumed into a loader.
  SharedTempDir other(rt.comm());
  const std::string bare = (other.path() / "checkpoints").string();
  TrainState without;
  without.model = checkpoint::moduleState(net);
  Checkpointer(rt, bare, syncPolicy()).save(without);
  message = resumeError(bare, state);
  EXPECT_TRUE(contains(message, "no loader position")) << message;
}

}  // namespace
}  // namespace cohort::test
