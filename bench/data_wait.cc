// bench_data_wait: the share of a training step the Fashion-MNIST example's
// loop spends waiting for data, with the ShardedLoader prefetching, beside the
// same loop fed from tensors already in memory.
//
//   bench_data_wait --data LOCATION [--steps 400] [--rounds 3] [--batch 64]
//
// LOCATION is a packed Fashion-MNIST training set (cohort-pack --fashion-mnist
// writes LOCATION/../train). Each round runs both loops for --steps steps of the
// example's CNN (one torch thread, SGD with momentum):
//   peer: batches gathered (index_select) from the whole set held in memory;
//   ours: batches from ShardedLoader::next(), shards prefetched by COHORT_DATA_THREADS
// (default 4) threads.
// Steady state excludes the first 20 steps of each loop (the first shards
// arriving). Reported: median step time of each, their ratio (median of the
// per-round ratios), and the share of our step time spent inside next().
#include <torch/nn/functional/loss.h>
#include <torch/optim/sgd.h>
#include <torch/utils.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cohort/core/env.h"
#include "cohort/core/settings.h"
#include "cohort/data/sharded_loader.h"
#include "cohort/models/conv_net.h"
#include "cohort/models/fashion_mnist.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kWarmSteps = 20;

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

using cohort::models::normaliseFashionMnist;

void step(cohort::models::ConvNet& net, torch::optim::SGD& optimizer, const torch::Tensor& images,
          const torch::Tensor& labels) {
  optimizer.zero_grad();
  auto loss = torch::nn::functional::cross_entropy(net.forward(normaliseFashionMnist(images)),
                                                   labels.to(torch::kInt64));
  loss.backward();
  optimizer.step();
}

struct Result {
  double step_s = 0;  // mean steady-state step time
  double wait_share = 0;
};

cohort::data::LoaderOptions loaderOptions(const std::string& location, int64_t batch,
                                          bool shuffle) {
  auto o = cohort::data::LoaderOptions::fromSettings(
      cohort::Settings::fromEnvironment(cohort::processEnv()), location, 0, 1);
  o.global_batch = batch;
  o.shuffle = shuffle;
  o.seed = 1;
  return o;
}

Result runLoader(const std::string& location, int64_t batch, int steps) {
  torch::manual_seed(1);
  cohort::models::ConvNet net(16, 32, 128, 0);  // the example's first model, as measured before
  torch::optim::SGD optimizer(net.parameters(), torch::optim::SGDOptions(0.05).momentum(0.9));
  cohort::data::ShardedLoader loader(loaderOptions(location, batch, true));
  double wait = 0, total = 0;
  int64_t epoch = 0;
  for (int s = 0; s < steps; ++s) {
    const auto start = Clock::now();
    auto b = loader.next();
    if (!b) {
      loader.setEpoch(++epoch);
      b = loader.next();
    }
    const double waited = since(start);
    step(net, optimizer, (*b)["image"], (*b)["label"]);
    if (s >= kWarmSteps) {
      wait += waited;
      total += since(start);
    }
  }
  return {total / (steps - kWarmSteps), wait / total};
}

Result runInMemory(const torch::Tensor& images, const torch::Tensor& labels, int64_t batch,
                   int steps) {
  torch::manual_seed(1);
  cohort::models::ConvNet net(16, 32, 128, 0);  // the example's first model, as measured before
  torch::optim::SGD optimizer(net.parameters(), torch::optim::SGDOptions(0.05).momentum(0.9));
  const auto order = torch::randperm(images.size(0), torch::kInt64);
  double total = 0;
  for (int s = 0; s < steps; ++s) {
    const auto start = Clock::now();
    const auto index = order.narrow(0, (s * batch) % (images.size(0) - batch), batch);
    step(net, optimizer, images.index_select(0, index), labels.index_select(0, index));
    if (s >= kWarmSteps) total += since(start);
  }
  return {total / (steps - kWarmSteps), 0};
}

}  // namespace

int main(int argc, char** argv) {
  std::string location;
  int steps = 400, rounds = 3;
  int64_t batch = 64;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i];
    if (name == "--data")
      location = argv[i + 1];
    else if (name == "--steps")
      steps = std::max(kWarmSteps + 10, std::atoi(argv[i + 1]));
    else if (name == "--rounds")
      rounds = std::max(1, std::atoi(argv[i + 1]));
    else if (name == "--batch")
      batch = std::max(1, std::atoi(argv[i + 1]));
  }
  if (location.empty()) {
    std::fprintf(stderr,
                 "usage: bench_data_wait --data LOCATION [--steps N] [--rounds N] [--batch N]\n");
    return 2;
  }
  try {
    torch::set_num_threads(1);
    // The peer's data: the whole set in memory, read once up front.
    std::vector<torch::Tensor> images, labels;
    {
      auto o = loaderOptions(location, 1000, false);
      o.drop_last = false;
      cohort::data::ShardedLoader all(o);
      while (auto b = all.next()) {
        images.push_back((*b)["image"]);
        labels.push_back((*b)["label"]);
      }
    }
    const auto all_images = torch::cat(images), all_labels = torch::cat(labels);
    std::vector<double> peer, ours, ratio, wait;
    for (int r = 0; r < rounds; ++r) {
      Result m, l;
      if (r % 2 == 0) {
        m = runInMemory(all_images, all_labels, batch, steps);
        l = runLoader(location, batch, steps);
      } else {
        l = runLoader(location, batch, steps);
        m = runInMemory(all_images, all_labels, batch, steps);
      }
      peer.push_back(m.step_s * 1e3);
      ours.push_back(l.step_s * 1e3);
      ratio.push_back(m.step_s / l.step_s);
      wait.push_back(l.wait_share * 100);
    }
    std::printf("%-40s %12s %12s %8s %14s\n", "data", "in-memory ms", "loader ms", "ratio",
                "waiting (%)");
    std::printf("%-40s %12.2f %12.2f %7.3fx %13.2f%%\n", location.substr(0, 40).c_str(),
                median(peer), median(ours), median(ratio), median(wait));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_data_wait: %s\n", e.what());
    return 1;
  }
}
