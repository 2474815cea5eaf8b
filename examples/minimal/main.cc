// The smallest complete cohort trainer (the one in README.md): an MLP on a
// sharded data set, trained with a libtorch optimizer under DataParallel,
// checkpointed and resumed (also after kill -9 under cohortrun
// --max-restarts), logged through RunLog, and exported at the end.
//
//   cohort-pack --fashion-mnist /usr/share/datasets/fashion-mnist --to data/fmnist
//   cohortrun --procs-per-node 2 --max-restarts 2 -- ./minimal data/fmnist/train 2
#include <torch/nn/functional/loss.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/adam.h>
#include <torch/utils.h>

#include <cstdio>
#include <string>

#include "cohort/cohort.h"

struct Net : torch::nn::Module {
  torch::nn::Linear fc1{register_module("fc1", torch::nn::Linear(784, 128))};
  torch::nn::Linear fc2{register_module("fc2", torch::nn::Linear(128, 10))};
  torch::Tensor forward(torch::Tensor x) { return fc2(torch::relu(fc1(x.flatten(1)))); }
};

// Laid out by hand (aligned comments), as README.md shows it.
// clang-format off
int main(int argc, char** argv) {
  return cohort::runMain(argc, argv, [&](cohort::Runtime& rt) {
    COHORT_CHECK(argc >= 2, cohort::ConfigError, "usage: minimal DATA [EPOCHS]", "name a cohort-pack data set");
    const int64_t epochs = argc > 2 ? cohort::requireWhole(argv[2], 1, 1000000, "EPOCHS") : 1;
    torch::manual_seed(0);
    auto net = std::make_shared<Net>();
    cohort::DataParallel dp(net);                     // rank 0's weights everywhere
    torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(1e-3));
    auto data = cohort::data::LoaderOptions::fromSettings(rt.settings(), argv[1], rt.rank(), rt.size());
    data.global_batch = 64;                           // over all ranks
    cohort::data::ShardedLoader loader(data);

    namespace ckpt = cohort::checkpoint;
    ckpt::CheckpointPolicy policy;
    policy.every_steps = 100;
    ckpt::Checkpointer checkpointer(rt, rt.settings().outputs_dir + "/checkpoints", policy);
    ckpt::TrainState state;
    state.model = ckpt::moduleState(*net);
    state.optimizer = &optimizer;                     // Adam's moments are saved and restored
    state.loader = &loader;                           // and the exact sample of the epoch
    if (checkpointer.resume(state) && rt.rank() == 0) std::printf("resumed at step %lld\n", (long long)state.step);

    cohort::runlog::RunLog log(rt, dp);               // metrics.jsonl, TensorBoard, timeline
    log.watch(checkpointer);
    for (int64_t epoch = loader.epoch(); epoch < epochs; ++epoch) {
      loader.setEpoch(epoch);                         // after a resume: continues the epoch
      while (auto batch = log.next(loader)) {
        optimizer.zero_grad();
        auto x = (*batch)["image"].to(torch::kFloat32).div_(255);
        auto loss = torch::nn::functional::cross_entropy(net->forward(x), (*batch)["label"].to(torch::kLong));
        loss.backward();                              // gradients averaged over the ranks
        optimizer.step();
        state.step += 1;
        state.epoch = epoch;
        if (checkpointer.due(state.step)) checkpointer.save(state);  // collective, async
        log.endStep(state.step, epoch, loss, 1e-3);
        if (checkpointer.stopRequested()) {  // SIGTERM: the checkpoint is written; stop
          checkpointer.wait();
          return 143;
        }
      }
    }
    checkpointer.wait();
    if (rt.rank() == 0) {
      const auto model = ckpt::exportModel(rt.settings().outputs_dir, state.model, {"minimal.Net"});
      std::printf("trained %lld steps; model written to %s\n", (long long)state.step, model.c_str());
    }
    return 0;
  });
}
