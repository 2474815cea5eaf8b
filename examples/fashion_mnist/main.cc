// Trains a small CNN on Fashion-MNIST with data parallelism over MPI ranks.
//
//   cohort-pack --fashion-mnist /usr/share/datasets/fashion-mnist --to data/fashion-mnist
//   mpirun -n 2 fashion_mnist --data data/fashion-mnist --epochs 3 --batch 64
//
// The data set is streamed by cohort's ShardedLoader from a folder, Azure Blob
// Storage (azure://...) or HDFS (hdfs://...). Each global batch is the same
// for any number of ranks and split evenly over them, and DataParallel
// averages the gradients, so every replica takes the same optimiser step as a
// single rank would on the whole batch. The test set is split the same way
// and the correct counts are summed over ranks.
//
// Checkpoints go to OUTPUTS/checkpoints after every epoch (and every
// --checkpoint-every steps); a run started again (by hand, or by cohortrun
// --max-restarts) continues from the newest one, and SIGTERM makes every rank
// write one before it stops. The final model goes to OUTPUTS/model.
#include <torch/nn/functional/loss.h>
#include <torch/utils.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>

#include "cohort/cohort.h"
#include "cohort/core/json.h"
#include "cohort/models/conv_net.h"
#include "cohort/models/fashion_mnist.h"
#include "cohort/serve/serve_main.h"
#include "train_options.h"

namespace fashion_mnist {

namespace {

namespace ckpt = cohort::checkpoint;
using Clock = std::chrono::steady_clock;
using cohort::models::ConvNet;
// Images normalised as in serving (the training pixels' mean and deviation).
using cohort::models::normaliseFashionMnist;
using cohort::runlog::Timeline;

// The exit status after SIGTERM, once the emergency checkpoint is written (128 + 15).
constexpr int kStoppedBySigterm = 143;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// --schedule cosine: the learning rate falls from `peak` to 0 along half a
// cosine over the run (large steps early, small ones at the end so the last
// epoch settles); constant: `peak` throughout.
double scheduledLr(const TrainOptions& options, int64_t step, int64_t total_steps) {
  constexpr double kPi = 3.14159265358979323846;
  if (options.schedule == "constant") return options.lr;
  return options.lr * 0.5 * (1 + std::cos(kPi * static_cast<double>(step) / total_steps));
}

// --optimizer: cohort's fused SGD (momentum, L2 weight decay) or AdamW.
std::unique_ptr<cohort::optim::FusedOptimizer> makeOptimizer(const TrainOptions& options,
                                                             std::vector<torch::Tensor> params) {
  if (options.optimizer == "adamw") {
    cohort::optim::AdamWOptions o;
    o.lr = options.lr;
    o.weight_decay = options.weight_decay;
    return std::make_unique<cohort::optim::AdamW>(std::move(params), o);
  }
  cohort::optim::SgdOptions o;
  o.lr = options.lr;
  o.momentum = options.momentum;
  o.weight_decay = options.weight_decay;
  return std::make_unique<cohort::optim::SGD>(std::move(params), o);
}

// Accuracy on the whole of `test` (the test set, or the held-out images);
// each rank classifies an equal share (with more ranks than divide it, the
// few left over are not counted). `predictions` (if given; int64, one per
// test sample, -1 where none): this rank's predicted classes are put at
// their samples' indices.
double evaluate(ConvNet& net, cohort::data::ShardedLoader& test, cohort::Communicator& comm,
                torch::Tensor* predictions) {
  torch::NoGradGuard no_grad;
  net.eval();
  test.setEpoch(0);
  const torch::Device device = net.parameters().front().device();
  int64_t correct = 0, seen = 0;
  while (auto batch = test.next()) {
    auto predicted = net.forward(normaliseFashionMnist((*batch)["image"].to(device))).argmax(1);
    if (predictions) predictions->index_put_({batch->ids}, predicted.to(torch::kCPU));
    correct += predicted.eq((*batch)["label"].to(device, torch::kInt64)).sum().item<int64_t>();
    seen += batch->size();
  }
  auto totals = torch::tensor({correct, seen}, torch::kInt64);
  comm.allreduce(totals, cohort::ReduceOp::kSum);  // host counts, over MPI
  net.train();
  return static_cast<double>(totals[0].item<int64_t>()) /
         static_cast<double>(totals[1].item<int64_t>());
}

// One predicted class per line, in the test set's order (-1: not evaluated).
void writePredictions(const std::string& path, const torch::Tensor& predictions) {
  std::ofstream out(path);
  const int64_t* p = predictions.data_ptr<int64_t>();
  for (int64_t i = 0; i < predictions.numel(); ++i) out << p[i] << '\n';
  if (!out.flush()) {
    throw cohort::Error("cannot write the predictions to " + path,
                        "pass --predictions a writable path");
  }
}

// The loaders of the packed data set's two halves, LOCATION/train and
// LOCATION/test; of the training images, samples [first, end) (negative:
// from the end; end 0: the end), so the last --val can be held out.
cohort::data::LoaderOptions loaderOptions(cohort::Runtime& rt, const TrainOptions& options,
                                          const char* split, int64_t global_batch, bool training,
                                          int64_t first = 0, int64_t end = 0) {
  auto o = cohort::data::LoaderOptions::fromSettings(rt.settings(), options.data + "/" + split,
                                                     rt.rank(), rt.size());
  o.global_batch = global_batch;
  o.seed = options.seed;
  o.window_shards = options.window_shards;
  o.shuffle = training;
  o.drop_last = training;
  o.first_sample = first;
  o.end_sample = end;
  if (training) o.epoch_samples = options.max_train;
  return o;
}

// --device auto: this rank's GPU if every rank has one, else the CPU (the
// runtime says why); cpu; or cuda, which must be usable.
torch::Device chooseDevice(cohort::Runtime& rt, const std::string& wanted) {
  if (wanted == "cpu") return torch::Device(torch::kCPU);
  const torch::Device device = rt.device();
  if (wanted == "cuda" && !device.is_cuda()) {
    throw cohort::ConfigError(
        "--device cuda, but this rank has no usable GPU (see the warning above)",
        "run on a machine with a GPU per rank, or pass --device cpu");
  }
  return device;
}

int train(cohort::Runtime& rt, const TrainOptions& options) {
  options.checkWorld(rt.size());
  const bool lead = rt.rank() == 0;
  // Several ranks share the machine's cores: one torch thread each unless asked.
  const int threads = options.threads > 0 ? options.threads : (rt.size() > 1 ? 1 : 0);
  if (threads > 0) torch::set_num_threads(threads);
  torch::manual_seed(
      options.seed);  // the same everywhere (DataParallel broadcasts rank 0's weights anyway)

  // Everything that can fail on bad input happens before the first collective.
  cohort::data::ShardedLoader train(
      loaderOptions(rt, options, "train", options.global_batch, true, 0, -options.val));
  cohort::data::ShardedLoader test(loaderOptions(rt, options, "test", 100 * rt.size(), false));
  // The held-out images (--val): what a sweep tunes on, never the test set.
  std::optional<cohort::data::ShardedLoader> val;
  if (options.val > 0)
    val.emplace(loaderOptions(rt, options, "train", 100 * rt.size(), false, -options.val, 0));
  const int64_t steps = train.batchesPerEpoch();
  if (steps < 1) {
    throw cohort::ConfigError("--batch " + std::to_string(options.global_batch) +
                                  " is larger than the " + std::to_string(train.epochSize()) +
                                  " training images",
                              "pass a smaller --batch or a larger --max-train");
  }
  const torch::Device device = chooseDevice(rt, options.device);

  auto net =
      std::make_shared<ConvNet>(options.conv1, options.conv2, options.hidden, options.dropout);
  net->to(device);
  cohort::DataParallel dp(net);  // over MPI on CPUs, NCCL on GPUs
  const auto optimizer = makeOptimizer(options, net->parameters());
  // Models are chosen on the held-out images; without them, on the test set.
  const std::string selection = val ? "val_accuracy" : "test_accuracy";

  ckpt::CheckpointPolicy policy;
  policy.every_steps = options.checkpoint_every;
  policy.every_seconds = options.checkpoint_seconds;
  policy.retention = {options.keep_checkpoints, selection, true, "--keep-checkpoints"};
  policy.async = options.checkpoint_async;
  ckpt::Checkpointer checkpointer(rt, rt.settings().outputs_dir + "/checkpoints", policy);
  ckpt::TrainState state;
  state.model = ckpt::moduleState(*net);
  state.optimizer = optimizer.get();
  state.loader = &train;
  state.rank_state = dp.rankState();  // the compression residuals (COHORT_COMPRESS), if any
  state.config = options.toJson(rt.size());
  if (options.resume) {
    if (auto resumed = checkpointer.resume(state); resumed && lead) {
      std::printf("resumed from %s at step %lld of %lld (--resume never starts afresh)\n",
                  resumed->folder.c_str(), static_cast<long long>(state.step),
                  static_cast<long long>(steps * options.epochs));
    }
  }
  cohort::runlog::RunLog log(rt, dp);  // LOGS/metrics.jsonl, tensorboard/, timeline/
  log.watch(checkpointer);

  if (lead) {
    std::printf(
        "fashion_mnist: %d rank(s) on %s x %d torch thread(s); global batch %lld (%lld per "
        "rank); %d epoch(s); %s, lr %g (%s), momentum %g, weight decay %g; conv %d-%d, hidden "
        "%d, dropout %g\n",
        rt.size(), device.str().c_str(), torch::get_num_threads(),
        static_cast<long long>(options.global_batch),
        static_cast<long long>(options.global_batch / rt.size()), options.epochs,
        options.optimizer.c_str(), options.lr,
        options.schedule == "cosine" ? "cosine to 0" : "constant", options.momentum,
        options.weight_decay, options.conv1, options.conv2, options.hidden, options.dropout);
    if (options.tunedDefaults())
      std::printf(
          "fashion_mnist: these are the defaults, the best trial of examples/fashion_mnist/"
          "sweep.yaml (docs/sweep.md): 0.9232 test accuracy, the median of 3 seeds, trained in "
          "about 3.5 minutes on 2 ranks of a 2-core machine\n");
    std::printf(
        "data %s: %lld training images in %zu shards (%lld held out for validation), %lld global "
        "batches per epoch (the last %lld do not fill a batch and are skipped); testing on %lld "
        "images\n",
        options.data.c_str(), static_cast<long long>(train.manifest().samples - options.val),
        train.manifest().shards.size(), static_cast<long long>(options.val),
        static_cast<long long>(steps),
        static_cast<long long>(train.epochSize() - steps * options.global_batch),
        static_cast<long long>(test.manifest().samples));
    std::fflush(stdout);
  }

  // The last evaluation's accuracy and predicted classes (-1: not evaluated).
  double accuracy = -1;
  torch::Tensor predictions = torch::full({test.manifest().samples}, -1, torch::kInt64);
  net->train();
  for (int64_t epoch = train.epoch(); epoch < options.epochs; ++epoch) {
    train.setEpoch(epoch);  // after a resume: continues the epoch where it stopped
    const auto start = Clock::now();
    auto loss_sum = torch::zeros({}, torch::TensorOptions().device(device).dtype(torch::kFloat64));
    int64_t ran = 0;
    while (auto batch = log.next(train)) {
      const double lr = scheduledLr(options, state.step, steps * options.epochs);
      optimizer->setLr(lr);
      optimizer->zeroGrad();
      torch::Tensor loss;
      {
        auto span = log.span("forward");
        auto logits = net->forward(normaliseFashionMnist((*batch)["image"].to(device)));
        loss = torch::nn::functional::cross_entropy(logits,
                                                    (*batch)["label"].to(device, torch::kInt64));
      }
      {
        auto span = log.span("backward");
        loss.backward();  // DataParallel has averaged the gradients over ranks when this returns
      }
      {
        auto span = log.span("optimizer");
        optimizer->step();
      }
      loss_sum += loss.detach();  // on the device: no wait for the GPU every step
      ++ran;
      state.step += 1;
      state.epoch = epoch;
      // Collective every step (the ranks agree on the time and on SIGTERM); the
      // epoch's last step is saved after the evaluation, with its accuracy.
      if (checkpointer.due(state.step) &&
          (train.batchesLeft() > 0 || checkpointer.stopRequested())) {
        auto span = log.span("checkpoint", Timeline::kCheckpoint);
        state.metrics = {{"loss", loss.item<double>()}};
        checkpointer.save(state);
      }
      log.endStep(state.step, epoch, loss, lr);
      if (checkpointer.stopRequested()) {
        checkpointer.wait();
        if (lead) {
          std::printf(
              "stopped by SIGTERM at step %lld: checkpoint written to %s; run again to resume\n",
              static_cast<long long>(state.step), checkpointer.directory().c_str());
        }
        return kStoppedBySigterm;
      }
    }
    if (ran == 0) continue;  // resumed at the end of this epoch, which was evaluated and saved then
    const double train_s = secondsSince(start);
    // Each rank's loss is a mean over an equal share, so the mean over ranks
    // and batches is the mean over every sample of the epoch (of the steps run).
    auto totals =
        torch::tensor({loss_sum.item<double>(), static_cast<double>(ran)}, torch::kFloat64);
    rt.comm().allreduce(totals, cohort::ReduceOp::kSum);
    const double train_loss =
        totals[1].item<double>() > 0 ? totals[0].item<double>() / totals[1].item<double>() : 0;
    const auto test_start = Clock::now();
    // After each epoch the held-out images (the metric a sweep follows); the
    // test set only after the last one, so nothing is chosen on it.
    const bool last = epoch + 1 == options.epochs;
    std::vector<std::pair<std::string, double>> report;
    if (val) report.push_back({"val_accuracy", evaluate(*net, *val, rt.comm(), nullptr)});
    if (!val || last) {
      accuracy = evaluate(*net, test, rt.comm(), &predictions);
      report.push_back({"test_accuracy", accuracy});
    }
    cohort::runlog::Scalars scalars = report;
    scalars.push_back({"epoch_train_loss", train_loss});
    log.report(state.step, scalars, epoch);
    if (lead) {
      std::string measured;
      for (const auto& [name, value] : report) {
        char text[64];
        std::snprintf(text, sizeof text, ", %s %.4f", name.c_str(), value);
        measured += text;
      }
      std::printf(
          "epoch %lld/%d: train loss %.4f%s, %.0f samples/s (train %.1f s, evaluation %.1f s)\n",
          static_cast<long long>(epoch + 1), options.epochs, train_loss, measured.c_str(),
          static_cast<double>(ran * options.global_batch) / train_s, train_s,
          secondsSince(test_start));
      std::fflush(stdout);
    }
    auto span = log.span("checkpoint", Timeline::kCheckpoint);
    state.metrics = {report.begin(), report.end()};
    state.metrics["train_loss"] = train_loss;
    checkpointer.save(state);
  }
  checkpointer.wait();

  // A run resumed at its end has not evaluated the final model yet.
  if (accuracy < 0) accuracy = evaluate(*net, test, rt.comm(), &predictions);
  rt.comm().allreduce(predictions, cohort::ReduceOp::kMax);  // every rank's share on rank 0
  const double val_accuracy = val ? evaluate(*net, *val, rt.comm(), nullptr) : -1;  // every rank
  if (lead) {
    ckpt::ModelCard card;
    card.architecture = cohort::models::kFashionMnistConvNet;
    card.metrics = {{"test_accuracy", accuracy}};
    if (val) card.metrics["val_accuracy"] = val_accuracy;
    card.dataset = train.state().dataset;
    card.config = state.config;
    const auto model = ckpt::exportModel(rt.settings().outputs_dir, state.model, card);
    if (!options.predictions.empty()) writePredictions(options.predictions, predictions);
    std::printf("model written to %s\nmetrics written to %s/metrics.jsonl\n", model.c_str(),
                log.folder().c_str());
    std::printf("test accuracy: %.4f\n", accuracy);
  }
  return 0;
}

}  // namespace
}  // namespace fashion_mnist

int main(int argc, char** argv) {
  // `fashion_mnist serve MODEL [options]`: the same binary serves what it
  // trained (cohort/serve/serve_main.h).
  if (argc > 1 && std::string(argv[1]) == "serve")
    return cohort::serve::run(argc - 1, argv + 1, cohort::models::buildExampleArchitecture);
  std::string help;
  fashion_mnist::TrainOptions options;
  try {
    options = fashion_mnist::TrainOptions::parse(argc, argv, &help);
  } catch (const cohort::Error& e) {
    std::fprintf(stderr, "fashion_mnist: %s\n", e.what());
    return 2;
  }
  if (!help.empty()) {  // before MPI starts: --help needs no launcher
    std::printf("%s", help.c_str());
    return 0;
  }
  return cohort::runMain(argc, argv,
                         [&](cohort::Runtime& rt) { return fashion_mnist::train(rt, options); });
}
