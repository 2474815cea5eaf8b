// Checkpointer::save then resume, in async and sync mode: a fresh model and
// optimizer get back the saved parameters, buffers, optimizer state and each
// rank's CPU generator bit for bit, and training on from there matches
// training that never stopped. A checkpoint of another model or optimizer is
// refused with a ConfigError naming the tensor, on every rank. The same round
// trip holds for parameters DataParallel shares between a machine's ranks.
#include <gtest/gtest.h>
#include <torch/utils.h>

#include "checkpoint_test_util.h"
#include "cohort/checkpoint/checkpoint_folder.h"
#include "cohort/checkpoint/checkpointer.h"
#include "cohort/checkpoint/module_state.h"
#include "cohort/comm/mpi_communicator.h"
#include "cohort/core/error.h"
#include "cohort/ddp/data_parallel.h"
#include "cohort/optim/adamw.h"
#include "cohort/optim/sgd.h"
#include "cohort/world/runtime.h"

namespace cohort::test {
namespace {

using checkpoint::Checkpointer;
using checkpoint::CheckpointPolicy;
using checkpoint::NamedTensors;
using checkpoint::TrainState;

optim::SgdOptions sgdOptions() {
  optim::SgdOptions options;
  options.lr = 0.05;
  options.momentum = 0.9;
  options.weight_decay = 1e-3;
  return options;
}

// Every tensor of `actual` has the bytes of the same-named one in `expected`.
void expectSameState(const NamedTensors& actual, const NamedTensors& expected,
                     const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (size_t i = 0; i < actual.size(); ++i) {
    EXPECT_EQ(actual[i].first, expected[i].first) << what;
    EXPECT_TRUE(sameBytes(actual[i].second, expected[i].second))
        << what << ": " << actual[i].first << " differs";
  }
}

NamedTensors parametersOf(torch::nn::Module& net) {
  NamedTensors out;
  for (const auto& item : net.named_parameters())
    out.emplace_back(item.key(), item.value().clone());
  return out;
}

class CheckpointerRoundTrip : public ::testing::TestWithParam<bool> {};

TEST_P(CheckpointerRoundTrip, FreshModelOptimizerAndGeneratorContinueExactly) {
  Runtime& rt = *current();
  SharedTempDir dir(rt.comm());
  const std::string checkpoints = (dir.path() / "checkpoints").string();
  const CheckpointPolicy policy = keepAll(GetParam());

  // The same model and data on every rank up to the save...
  torch::manual_seed(7);
  SmallNet net;
  optim::SGD opt(net.parameters(), sgdOptions());
  for (int s = 0; s < 3; ++s) trainStep(net, opt);
  // ...then each rank's generator its own.
  torch::manual_seed(100 + rt.rank());
  torch::randn({3});

  NamedTensors model_at_save, optimizer_at_save, model_after;
  std::vector<bool> stepped_at_save;
  {
    Checkpointer ckpt(rt, checkpoints, policy);
    TrainState state;
    state.step = 3;
    state.epoch = 1;
    state.model = checkpoint::moduleState(net);
    state.optimizer = &opt;
    state.metrics = {{"loss", 0.25}};
    state.config = R"({"lr": 0.05})";
    model_at_save = cloneAll(state.model);
    optimizer_at_save = cloneAll(opt.state());
    stepped_at_save = opt.stepped();
    ckpt.save(state);
    // Training goes on while an async write may still run: the checkpoint
    // must hold the state of the save, not these updates.
    for (int s = 0; s < 2; ++s) trainStep(net, opt);
    model_after = cloneAll(checkpoint::moduleState(net));
    ckpt.wait();
    if (rt.rank() == 0) {
      EXPECT_GT(ckpt.lastBytes(), 0);
      EXPECT_GT(ckpt.lastWriteSeconds(), 0);
    }
  }

  // A new process's view: other weights, a fresh optimizer, another seed.
  torch::manual_seed(999 + rt.rank());
  SmallNet fresh;
  optim::SGD fresh_opt(fresh.parameters(), sgdOptions());
  Checkpointer ckpt(rt, checkpoints, policy);
  TrainState state;
  state.model = checkpoint::moduleState(fresh);
  state.optimizer = &fresh_opt;
  const auto resumed = ckpt.resume(state);
  ASSERT_TRUE(resumed.has_value());
  EXPECT_EQ(resumed->step, 3);
  EXPECT_EQ(resumed->epoch, 1);
  EXPECT_EQ(state.step, 3);
  EXPECT_EQ(resumed->metrics, (std::map<std::string, double>{{"loss", 0.25}}));
  EXPECT_EQ(fs::path(resumed->folder).filename(), "step-00000003");

  expectSameState(checkpoint::moduleState(fresh), model_at_save, "model");
  expectSameState(fresh_opt.state(), optimizer_at_save, "optimizer");
  EXPECT_EQ(fresh_opt.steps(), 3);
  EXPECT_EQ(fresh_opt.stepped(), stepped_at_save);

  // The generator is back where it was at the save, so the same batches come
  // and the two steps land exactly where the uninterrupted run did.
  for (int s = 0; s < 2; ++s) trainStep(fresh, fresh_opt);
  expectSameState(checkpoint::moduleState(fresh), model_after, "model after two more steps");
}

// With DataParallel's share_parameters (Note [Shared parameters]) each rank
// updates only its share of the one copy per machine: the checkpoint must hold
// every share as it was at the save, and resuming must put every share back.
// (At 1 rank, or without shared memory, this is a DataParallel round trip.)
TEST_P(CheckpointerRoundTrip, SharedParametersAndStateComeBackWhole) {
  Runtime& rt = *current();
  SharedTempDir dir(rt.comm());
  const std::string checkpoints = (dir.path() / "checkpoints").string();
  const CheckpointPolicy policy = keepAll(GetParam());
  DataParallelOptions sharing;
  sharing.share_parameters = true;

  // The same batches on every rank, so the BatchNorm buffers agree too.
  torch::manual_seed(7);
  auto net = std::make_shared<SmallNet>();
  DataParallel dp(net, rt.comm(), sharing);
  optim::SGD opt(net->parameters(), sgdOptions());
  for (int s = 0; s < 3; ++s) trainStep(*net, opt);

  NamedTensors model_at_save, optimizer_at_save, model_after;
  {
    Checkpointer ckpt(rt, checkpoints, policy);
    TrainState state;
    state.step = 3;
    state.model = checkpoint::moduleState(*net);
    state.optimizer = &opt;
    model_at_save = cloneAll(state.model);
    optimizer_at_save = cloneAll(opt.state());
    ckpt.save(state);
    for (int s = 0; s < 2; ++s) trainStep(*net, opt);  // every rank writes its share meanwhile
    model_after = cloneAll(checkpoint::moduleState(*net));
    ckpt.wait();
  }

  torch::manual_seed(999 + rt.rank());
  auto fresh = std::make_shared<SmallNet>();
  DataParallel fresh_dp(fresh, rt.comm(), sharing);
  optim::SGD fresh_opt(fresh->parameters(), sgdOptions());
  EXPECT_EQ(fresh_opt.sharedBy(), dp.sharesParameters() ? rt.comm().size() : 1);
  Checkpointer ckpt(rt, checkpoints, policy);
  TrainState state;
  state.model = checkpoint::moduleState(*fresh);
  state.optimizer = &fresh_opt;
  ASSERT_TRUE(ckpt.resume(state).has_value());
  expectSameState(checkpoint::moduleState(*fresh), model_at_save, "model");
  expectSameState(fresh_opt.state(), optimizer_at_save, "optimizer");
  for (int s = 0; s < 2; ++s) trainStep(*fresh, fresh_opt);
  expectSameState(checkpoint::moduleState(*fresh), model_after, "model after two more steps");
}

// With compressed gradients (Note [Compressed buckets]) each rank's error
// feedback residuals are training state: a resumed run must go on bitwise as
// the uninterrupted one. Reduced through MPI alone (as between machines), so
// that the residuals are not zero; each rank trains on its own batches.
TEST_P(CheckpointerRoundTrip, CompressionResidualsComeBackPerRank) {
  Runtime& rt = *current();
  SharedTempDir dir(rt.comm());
  const std::string checkpoints = (dir.path() / "checkpoints").string();
  const CheckpointPolicy policy = keepAll(GetParam());
  MpiCommunicator::Options through_mpi;
  through_mpi.shm = false;
  MpiCommunicator comm(MPI_COMM_WORLD, through_mpi);
  DataParallelOptions compressed;
  compressed.compress = Compression::kBf16;

  torch::manual_seed(7);
  auto net = std::make_shared<SmallNet>();
  DataParallel dp(net, comm, compressed);
  optim::SGD opt(net->parameters(), sgdOptions());
  torch::manual_seed(100 + rt.rank());  // each rank's batches its own
  for (int s = 0; s < 3; ++s) trainStep(*net, opt);
  const NamedTensors residuals_at_save = cloneAll(dp.rankState());
  ASSERT_FALSE(residuals_at_save.empty());
  double largest = 0;
  for (const auto& [name, r] : residuals_at_save)
    largest = std::max(largest, r.abs().max().item<double>());
  if (rt.size() > 1) EXPECT_GT(largest, 0) << "nothing was rounded: the test would prove nothing";

  NamedTensors model_after;
  {
    Checkpointer ckpt(rt, checkpoints, policy);
    TrainState state;
    state.step = 3;
    state.model = checkpoint::moduleState(*net);
    state.optimizer = &opt;
    state.rank_state = dp.rankState();
    ckpt.save(state);
    for (int s = 0; s < 2; ++s) trainStep(*net, opt);
    model_after = parametersOf(*net);
    ckpt.wait();
  }

  torch::manual_seed(999 + rt.rank());
  auto fresh = std::make_shared<SmallNet>();
  DataParallel fresh_dp(fresh, comm, compressed);
  optim::SGD fresh_opt(fresh->parameters(), sgdOptions());
  Checkpointer ckpt(rt, checkpoints, policy);
  {
    // Without the residuals the checkpoint is refused, on every rank.
    TrainState without;
    without.model = checkpoint::moduleState(*fresh);
    without.optimizer = &fresh_opt;
    try {
      ckpt.resume(without);
      ADD_FAILURE() << "a checkpoint with residuals resumed into a TrainState without them";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("residual-0"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("COHORT_COMPRESS"), std::string::npos) << e.what();
    }
  }
  TrainState state;
  state.model = checkpoint::moduleState(*fresh);
  state.optimizer = &fresh_opt;
  state.rank_state = fresh_dp.rankState();
  ASSERT_TRUE(ckpt.resume(state).has_value());
  expectSameState(fresh_dp.rankState(), residuals_at_save, "this rank's residuals");
  for (int s = 0; s < 2; ++s) trainStep(*fresh, fresh_opt);
  // The parameters; BatchNorm's running statistics are each rank's own (on
  // its own batches), and a checkpoint holds rank 0's, as PyTorch DDP does.
  expectSameState(parametersOf(*fresh), model_after, "parameters after two more steps");
}

INSTANTIATE_TEST_SUITE_P(Modes, CheckpointerRoundTrip, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "Async" : "Sync"; });

TEST(Checkpointer, ResumeWithoutCheckpointsGivesNothing) {
  Runtime& rt = *current();
  SharedTempDir dir(rt.comm());
  SmallNet net;
  TrainState state;
  state.model = checkpoint::moduleState(net);
  Checkpointer ckpt(rt, (dir.path() / "checkpoints").string(), keepAll(false));
  EXPECT_FALSE(ckpt.resume(state).has_value());
  EXPECT_EQ(state.step, 0);
}

TEST(Checkpointer, SavingAStepAgainReplacesIt) {
  Runtime& rt = *current();
  SharedTempDir dir(rt.comm());
  const std::string checkpoints = (dir.path() / "checkpoints").string();
  SmallNet net;
  TrainState state;
  state.model = checkpoint::moduleState(net);
  state.step = 5;
  Checkpointer ckpt(rt, checkpoints, keepAll(false));
  for (float value : {1.0f, 2.0f}) {
    torch::NoGradGuard no_grad;
    for (auto& [name, t] : state.model) t.fill_(value);
    ckpt.save(state);
  }
  for (auto& [name, t] : state.model) t.detach().zero_();
  ASSERT_TRUE(ckpt.resume(state).has_value());
  EXPECT_EQ(state.model[0].second.max().item<float>(), 2.0f);
  EXPECT_EQ(checkpoint::listCheckpoints(checkpoints).size(), 1u);
}

// What resume() says when the checkpoint was written by `other`.
std::string resumeMismatch(const std::string& checkpoints, SmallNet& other,
                           optim::OptimizerRef opt) {
  TrainState state;
  state.model = checkpoint::moduleState(other);
  state.optimizer = opt;
  Checkpointer ckpt(*current(), checkpoints, keepAll(false));
  try {
    ckpt.resume(state);
  } catch (const ConfigError& e) {
    EXPECT_FALSE(e.hint().empty());
    return e.what();
  }
  return "(no ConfigError)";
}

TEST(Checkpointer, AnotherModelOrOptimizerIsRefusedOnEveryRank) {
  Runtime& rt = *current();
  SharedTempDir dir(rt.comm());
  const std::string checkpoints = (dir.path() / "checkpoints").string();
  {
    SmallNet net;
    optim::SGD opt(net.parameters(), sgdOptions());
    trainStep(net, opt);
    TrainState state;
    state.step = 1;
    state.model = checkpoint::moduleState(net);
    state.optimizer = &opt;
    Checkpointer ckpt(rt, checkpoints, keepAll(true));
    ckpt.save(state);
    ckpt.wait();
  }
  const auto contains = [](const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  };
  // Wider hidden layer: the shapes of fc.weight differ.
  SmallNet wider(8);
  optim::SGD wider_opt(wider.parameters(), sgdOptions());
  std::string message = resumeMismatch(checkpoints, wider, &wider_opt);
  EXPECT_TRUE(contains(message, "'fc.weight'") && contains(message, "[7, 5]") &&
              contains(message, "[8, 5]"))
      << message;
  // The head under another name.
  SmallNet renamed(7, 3, "output");
  message = resumeMismatch(checkpoints, renamed, nullptr);
  EXPECT_TRUE(contains(message, "output.weight")) << message;
  // The same model with AdamW instead of SGD.
  SmallNet same;
  optim::AdamW adamw(same.parameters(), optim::AdamWOptions{});
  message = resumeMismatch(checkpoints, same, &adamw);
  EXPECT_TRUE(contains(message, "cohort.optim.SGD") && contains(message, "cohort.optim.AdamW"))
      << message;
  // SGD without momentum keeps no moment: its state does not fit.
  SmallNet plain_net;
  optim::SgdOptions plain = sgdOptions();
  plain.momentum = 0;
  optim::SGD plain_opt(plain_net.parameters(), plain);
  message = resumeMismatch(checkpoints, plain_net, &plain_opt);
  EXPECT_TRUE(contains(message, "exp_avg")) << message;
  // The model without its optimizer: resuming would start the momentum afresh.
  SmallNet bare;
  message = resumeMismatch(checkpoints, bare, nullptr);
  EXPECT_TRUE(contains(message, "no optimizer") && contains(message, "cohort.optim.SGD"))
      << message;
  // The model and optimizer that wrote it are still welcome.
  SmallNet right;
  optim::SGD right_opt(right.parameters(), sgdOptions());
  TrainState state;
  state.model = checkpoint::moduleState(right);
  state.optimizer = &right_opt;
  Checkpointer ckpt(rt, checkpoints, keepAll(false));
  EXPECT_TRUE(ckpt.resume(state).has_value());
}

}  // namespace
}  // namespace cohort::test
