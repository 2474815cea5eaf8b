// The soak's trainer (scripts/soak.sh, docs/soak.md): examples/minimal's loop
// (an MLP, libtorch's Adam, the ShardedLoader, the Checkpointer, RunLog, the
// exported model) plus a per-sample ledger. Right after optimizer.step()
// every rank appends one line for the step it trained to LEDGER/rank-R.ledger,
//
//   RESTART EPOCH STEP RANK UNIX_TIME id id id ...
//
// with a single write(2) on an O_APPEND descriptor, so a SIGKILL loses no line
// already written and never leaves half of one. RESTART is COHORT_RESTART_COUNT
// (the attempt), the ids are the batch's sample indices in the data set's
// file order. Steps after the newest checkpoint are trained again after a
// restart; the soak keeps the last attempt's line of each step.
//
//   soak_trainer --data DATA --ledger DIR [--epochs 2] [--samples 12800]
//                [--checkpoint-every 20] [--tag TEXT]
#include <fcntl.h>
#include <unistd.h>

#include <torch/nn/functional/loss.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/adam.h>
#include <torch/utils.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "cohort/cohort.h"

namespace {

struct Net : torch::nn::Module {
  torch::nn::Linear fc1{register_module("fc1", torch::nn::Linear(784, 128))};
  torch::nn::Linear fc2{register_module("fc2", torch::nn::Linear(128, 10))};
  torch::Tensor forward(torch::Tensor x) { return fc2(torch::relu(fc1(x.flatten(1)))); }
};

struct Options {
  std::string data;
  std::string ledger_dir;
  int64_t epochs = 2;
  int64_t samples = 12800;  // per epoch (0: the whole data set)
  int64_t checkpoint_every = 20;
  std::string tag;  // unused: a mark in the command line for pgrep
};

// One rank's ledger file, appended to with one write(2) per line.
class Ledger {
 public:
  Ledger(const std::string& dir, int rank)
      : path_(dir + "/rank-" + std::to_string(rank) + ".ledger") {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    COHORT_CHECK(fd_ >= 0, cohort::Error,
                 "cannot open the ledger " + path_ + ": " + std::strerror(errno),
                 "pass --ledger a folder that exists and can be written");
  }
  ~Ledger() { ::close(fd_); }
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  void append(int restart, int64_t epoch, int64_t step, int rank, const at::Tensor& ids) {
    const double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    char head[128];
    std::snprintf(head, sizeof head, "%d %lld %lld %d %.3f", restart, (long long)epoch,
                  (long long)step, rank, now);
    std::string line = head;
    const auto owned = ids.contiguous();
    const int64_t* id = owned.data_ptr<int64_t>();
    for (int64_t i = 0; i < owned.numel(); ++i) line += " " + std::to_string(id[i]);
    line += "\n";
    const ssize_t n = ::write(fd_, line.data(), line.size());
    COHORT_CHECK(n == static_cast<ssize_t>(line.size()), cohort::Error,
                 "cannot append to the ledger " + path_ + ": " +
                     (n < 0 ? std::strerror(errno) : "short write"),
                 "keep the ledger on a disk with room");
  }

 private:
  std::string path_;
  int fd_ = -1;
};

Options parseOptions(int argc, char** argv) {
  Options o;
  CLI::App app("The soak's trainer: examples/minimal plus a per-sample ledger (docs/soak.md).",
               "soak_trainer");
  app.add_option("--data", o.data, "a cohort-pack data set (folder, azure://, hdfs://)")
      ->required();
  app.add_option("--ledger", o.ledger_dir, "folder for rank-R.ledger")->required();
  app.add_option("--epochs", o.epochs, "epochs")->capture_default_str()->check(CLI::Range(1, 1000));
  app.add_option("--samples", o.samples, "samples per epoch, the first of its order (0: all)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
  app.add_option("--checkpoint-every", o.checkpoint_every, "steps between checkpoints")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--tag", o.tag, "ignored: a mark for pgrep");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::exit(app.exit(e));
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parseOptions(argc, argv);
  return cohort::runMain(argc, argv, [&](cohort::Runtime& rt) {
    torch::manual_seed(0);
    auto net = std::make_shared<Net>();
    cohort::DataParallel dp(net);
    torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(1e-3));
    auto data =
        cohort::data::LoaderOptions::fromSettings(rt.settings(), o.data, rt.rank(), rt.size());
    data.global_batch = 64;
    data.epoch_samples = o.samples;
    cohort::data::ShardedLoader loader(data);

    namespace ckpt = cohort::checkpoint;
    ckpt::CheckpointPolicy policy;
    policy.every_steps = o.checkpoint_every;
    ckpt::Checkpointer checkpointer(rt, rt.settings().outputs_dir + "/checkpoints", policy);
    ckpt::TrainState state;
    state.model = ckpt::moduleState(*net);
    state.optimizer = &optimizer;
    state.loader = &loader;
    if (checkpointer.resume(state) && rt.rank() == 0)
      std::printf("resumed at step %lld\n", (long long)state.step);

    Ledger ledger(o.ledger_dir, rt.rank());
    cohort::runlog::RunLog log(rt, dp);
    log.watch(checkpointer);
    for (int64_t epoch = loader.epoch(); epoch < o.epochs; ++epoch) {
      loader.setEpoch(epoch);
      while (auto batch = log.next(loader)) {
        optimizer.zero_grad();
        auto x = (*batch)["image"].to(torch::kFloat32).div_(255);
        auto loss = torch::nn::functional::cross_entropy(net->forward(x),
                                                         (*batch)["label"].to(torch::kLong));
        loss.backward();
        optimizer.step();
        state.step += 1;
        state.epoch = epoch;
        ledger.append(rt.settings().restart_count, epoch, state.step, rt.rank(), batch->ids);
        if (checkpointer.due(state.step)) checkpointer.save(state);
        log.endStep(state.step, epoch, loss, 1e-3);
        if (checkpointer.stopRequested()) {
          checkpointer.wait();
          return 143;
        }
      }
    }
    checkpointer.wait();
    if (rt.rank() == 0) {
      ckpt::ModelCard card;
      card.architecture = "soak.Net";
      card.dataset = loader.state().dataset;
      const auto model = ckpt::exportModel(rt.settings().outputs_dir, state.model, card);
      std::printf("trained %lld steps; model written to %s\n", (long long)state.step,
                  model.c_str());
    }
    return 0;
  });
}
