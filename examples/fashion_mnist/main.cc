// Trains a small CNN on Fashion-MNIST with data parallelism over MPI ranks.
//
//   mpirun -n 2 fashion_mnist --epochs 3 --batch 64
//
// Every rank holds the whole data set and a replica of the model. Each global
// batch is split evenly over the ranks (see EpochPlan) and DataParallel
// averages the gradients, so every replica takes the same optimiser step as a
// single rank would on the whole batch. The test set is split the same way and
// the correct counts are summed over ranks.
#include <torch/nn/functional/loss.h>
#include <torch/serialize.h>
#include <torch/utils.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cohort/cohort.h"
#include "cohort/ddp/data_parallel.h"
#include "cohort/optim/sgd.h"
#include "conv_net.h"
#include "epoch_plan.h"
#include "fashion_mnist_data.h"
#include "train_options.h"

namespace fashion_mnist {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The learning rate falls from `peak` to 0 along half a cosine over the run:
// large steps early, small ones at the end so the last epoch settles.
double cosineLr(double peak, int64_t step, int64_t total_steps) {
  constexpr double kPi = 3.14159265358979323846;
  return peak * 0.5 * (1 + std::cos(kPi * static_cast<double>(step) / total_steps));
}

// One pass over this rank's shards; returns the mean loss over all ranks.
double trainEpoch(ConvNet& net, cohort::optim::SGD& optimizer, const Split& train,
                  const EpochPlan& plan, const TrainOptions& options, int epoch,
                  cohort::Communicator& comm) {
  net.train();
  const torch::Device device = train.images.device();
  auto loss_sum = torch::zeros({}, torch::TensorOptions().device(device).dtype(torch::kFloat64));
  const int64_t total_steps = plan.numBatches() * options.epochs;
  for (int64_t b = 0; b < plan.numBatches(); ++b) {
    std::vector<int64_t> shard = plan.shard(b);
    const auto index =
        torch::from_blob(shard.data(), {plan.localBatch()}, torch::kInt64).to(device);
    optimizer.setLr(cosineLr(options.lr, epoch * plan.numBatches() + b, total_steps));
    optimizer.zeroGrad();
    auto logits = net.forward(train.images.index_select(0, index));
    auto loss = torch::nn::functional::cross_entropy(logits, train.labels.index_select(0, index));
    loss.backward();  // DataParallel has averaged the gradients over ranks when this returns
    optimizer.step();
    loss_sum += loss.detach();  // on the device: no wait for the GPU every step
  }
  // Each rank's loss is a mean over an equal share, so the mean over ranks
  // and batches is the mean over every sample of the epoch.
  auto totals = torch::tensor({loss_sum.item<double>(), static_cast<double>(plan.numBatches())},
                              torch::kFloat64);
  comm.allreduce(totals, cohort::ReduceOp::kSum);
  return totals[0].item<double>() / totals[1].item<double>();
}

// Accuracy on the whole test set; each rank classifies an equal share.
double evaluate(ConvNet& net, const Split& test, cohort::Communicator& comm) {
  constexpr int64_t kChunk = 100;  // small chunks stay in cache: faster than one big forward
  torch::NoGradGuard no_grad;
  net.eval();
  const int64_t begin = test.size() * comm.rank() / comm.size();
  const int64_t end = test.size() * (comm.rank() + 1) / comm.size();
  int64_t correct = 0;
  for (int64_t first = begin; first < end; first += kChunk) {
    const int64_t count = std::min(kChunk, end - first);
    auto predicted = net.forward(test.images.narrow(0, first, count)).argmax(1);
    correct += predicted.eq(test.labels.narrow(0, first, count)).sum().item<int64_t>();
  }
  auto total = torch::tensor({correct}, torch::kInt64);
  comm.allreduce(total, cohort::ReduceOp::kSum);  // host counts, over MPI
  return static_cast<double>(total.item<int64_t>()) / static_cast<double>(test.size());
}

// Where the run's files go: the model under COHORT_OUTPUTS_DIR, the per-epoch
// metrics under COHORT_LOGS_DIR. Only rank 0 writes them.
struct RunFiles {
  fs::path model;
  fs::path metrics;
};

fs::path makeDir(const std::string& dir, const char* variable) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) {
    throw cohort::Error("cannot create the folder " + dir + ": " + error.message(),
                        std::string("set ") + variable + " to a folder this user can write");
  }
  return fs::absolute(dir).lexically_normal();
}

RunFiles prepareRunFiles(const cohort::Settings& settings) {
  return {makeDir(settings.outputs_dir, "COHORT_OUTPUTS_DIR") / "fashion_mnist.pt",
          makeDir(settings.logs_dir, "COHORT_LOGS_DIR") / "fashion_mnist_metrics.csv"};
}

// The training set, cut to --max-train images if asked.
Split trainingSet(const FashionMnistData& data, const TrainOptions& options) {
  Split train = data.train;
  if (options.max_train > 0 && options.max_train < train.size()) {
    train = {train.images.narrow(0, 0, options.max_train),
             train.labels.narrow(0, 0, options.max_train)};
  }
  if (train.size() < options.global_batch) {
    throw cohort::ConfigError("--batch " + std::to_string(options.global_batch) +
                                  " is larger than the " + std::to_string(train.size()) +
                                  " training images",
                              "pass a smaller --batch or a larger --max-train");
  }
  return train;
}

// --device auto: this rank's GPU if every rank has one, else the CPU (the
// runtime says why); cpu; or cuda, which must be usable.
torch::Device chooseDevice(cohort::Runtime& rt, const std::string& wanted) {
  if (wanted == "cpu") return torch::Device(torch::kCPU);
  const torch::Device device = rt.device();
  if (wanted == "cuda" && !device.is_cuda()) {
    throw cohort::ConfigError("--device cuda, but this rank has no usable GPU (see the warning above)",
                              "run on a machine with a GPU per rank, or pass --device cpu");
  }
  return device;
}

int train(cohort::Runtime& rt, int argc, char** argv) {
  const TrainOptions options = TrainOptions::parse(argc, argv, rt.size());
  const bool lead = rt.rank() == 0;
  if (options.help) {
    if (lead) std::printf("%s", TrainOptions::usage(argv[0]).c_str());
    return 0;
  }
  // Several ranks share the machine's cores: one torch thread each unless asked.
  const int threads = options.threads > 0 ? options.threads : (rt.size() > 1 ? 1 : 0);
  if (threads > 0) torch::set_num_threads(threads);
  // The same seed everywhere (DataParallel broadcasts rank 0's weights anyway).
  torch::manual_seed(options.seed);

  // Everything that can fail on bad input happens before the first collective.
  FashionMnistData data = FashionMnistData::load(options.data_dir);
  const torch::Device device = chooseDevice(rt, options.device);
  data.train = {data.train.images.to(device), data.train.labels.to(device)};
  data.test = {data.test.images.to(device), data.test.labels.to(device)};
  const Split train = trainingSet(data, options);
  const RunFiles files = prepareRunFiles(rt.settings());
  std::ofstream metrics;
  if (lead) {
    metrics.open(files.metrics);
    if (!metrics) {
      throw cohort::Error("cannot write " + files.metrics.string(),
                          "set COHORT_LOGS_DIR to a folder this user can write");
    }
    metrics << "epoch,train_loss,test_accuracy,samples_per_s,train_s\n";
  }

  auto net = std::make_shared<ConvNet>();
  net->to(device);
  cohort::DataParallel dp(net);  // over MPI on CPUs, NCCL on GPUs
  cohort::optim::SGD optimizer(net->parameters(), {options.lr, options.momentum});

  // The batch counts are the same every epoch; any epoch's plan tells them.
  const auto layout = EpochPlan(train.size(), options.global_batch, rt.rank(), rt.size(), 0, 0);
  if (lead) {
    std::printf(
        "fashion_mnist: %d rank(s) on %s x %d torch thread(s); global batch %lld (%lld per "
        "rank); %d epoch(s); lr %g (cosine to 0); momentum %g\n",
        rt.size(), device.str().c_str(), torch::get_num_threads(),
        static_cast<long long>(options.global_batch),
        static_cast<long long>(layout.localBatch()), options.epochs, options.lr, options.momentum);
    std::printf(
        "training on %lld images in %lld global batches per epoch, dropping %lld that "
        "do not fill a batch; testing on %lld images\n",
        static_cast<long long>(train.size()), static_cast<long long>(layout.numBatches()),
        static_cast<long long>(layout.dropped()), static_cast<long long>(data.test.size()));
    std::fflush(stdout);
  }

  double accuracy = 0;
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    const EpochPlan plan(train.size(), options.global_batch, rt.rank(), rt.size(), options.seed,
                         epoch);
    auto start = Clock::now();
    const double loss = trainEpoch(*net, optimizer, train, plan, options, epoch, rt.comm());
    const double train_s = secondsSince(start);
    start = Clock::now();
    accuracy = evaluate(*net, data.test, rt.comm());
    const double test_s = secondsSince(start);
    const double rate = static_cast<double>(plan.numBatches() * options.global_batch) / train_s;
    if (lead) {
      std::printf(
          "epoch %d/%d: train loss %.4f, test accuracy %.4f, %.0f samples/s "
          "(train %.1f s, test %.1f s)\n",
          epoch + 1, options.epochs, loss, accuracy, rate, train_s, test_s);
      std::fflush(stdout);
      metrics << epoch + 1 << ',' << loss << ',' << accuracy << ',' << rate << ',' << train_s
              << std::endl;
    }
  }

  if (lead) {
    net->to(torch::kCPU);
    torch::save(std::static_pointer_cast<torch::nn::Module>(net), files.model.string());
    std::printf("model written to %s\nmetrics written to %s\n", files.model.c_str(),
                files.metrics.c_str());
    std::printf("test accuracy: %.4f\n", accuracy);
  }
  return 0;
}

}  // namespace
}  // namespace fashion_mnist

int main(int argc, char** argv) {
  return cohort::runMain(argc, argv,
                         [&](cohort::Runtime& rt) { return fashion_mnist::train(rt, argc, argv); });
}
