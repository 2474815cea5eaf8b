// bench_ddp_step: training throughput of an MLP wrapped in cohort::DataParallel.
// The peer is ddp_step_torch.py (PyTorch DDP over gloo); run_ddp_step.sh runs
// both, interleaved, and prints the comparison table.
//
//   OMP_NUM_THREADS=1 mpirun -n 2 bench_ddp_step [--warmup W] [--blocks B] [--steps K] [--no-dp]
//                                                [--torch-sgd] [--share] [--hidden H]
//
// Model 784-H-H-10 (ReLU; H 2048 by default: 5.8 M parameters; 4608: 25 M), batch 128 per rank, SGD
// (lr 0.01, momentum 0.9; cohort's fused SGD, or libtorch's with --torch-sgd), cross-entropy on
// random inputs and labels drawn once per rank, one thread per rank. After W
// warm-up steps, B blocks of K steps are timed; a
// block's samples/s is ranks x batch x K / the slowest rank's time, and the
// figure reported is the median over blocks. Rank 0 prints a human line and a
// machine line starting "RESULT" that run_ddp_step.sh reads.
//
// --share builds DataParallel with share_parameters: one copy of the
// parameters and momentum per machine, each rank updating its share (Note
// [Shared parameters]).
//
// --comm-only times DataParallel's communication alone: each step reduces
// buffers of the sizes of the model's gradient buckets, in order, as the
// reducer does (compressed when COHORT_COMPRESS says so), with no forward,
// backward or update. Beside --no-dp (the compute alone) it gives the two
// terms of max(compute, communication), the step time perfect overlap would
// reach.
//
// --no-dp trains without DataParallel: every rank on its own, nothing
// communicated. At 2 ranks that is the most this machine allows (the ranks
// still share its cores, caches and memory bandwidth), the ceiling against
// which the cost of gradient averaging itself can be read.
#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/ops/cross_entropy_loss.h>
#include <ATen/ops/randint.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/relu.h>
#include <mpi.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/sgd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "cohort/cohort.h"
#include "cohort/ddp/data_parallel.h"
#include "cohort/optim/sgd.h"

namespace {

constexpr int64_t kBatch = 128;  // per rank
constexpr int64_t kInputs = 784;
constexpr int64_t kClasses = 10;

struct Options {
  int warmup = 5;
  int blocks = 5;
  int steps = 6;  // per block
  bool data_parallel = true;
  bool torch_sgd = false;
  bool share = false;
  bool comm_only = false;
  int64_t hidden = 2048;
};

Options parseOptions(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--no-dp") == 0) {
      options.data_parallel = false;
      continue;
    }
    if (std::strcmp(argv[i], "--torch-sgd") == 0) {
      options.torch_sgd = true;
      continue;
    }
    if (std::strcmp(argv[i], "--comm-only") == 0) {
      options.comm_only = true;
      continue;
    }
    if (std::strcmp(argv[i], "--share") == 0) {
      options.share = true;
      continue;
    }
    if (i + 1 == argc) break;
    const int value = std::max(1, std::atoi(argv[i + 1]));
    if (std::strcmp(argv[i], "--warmup") == 0) options.warmup = value;
    if (std::strcmp(argv[i], "--blocks") == 0) options.blocks = value;
    if (std::strcmp(argv[i], "--steps") == 0) options.steps = value;
    if (std::strcmp(argv[i], "--hidden") == 0) options.hidden = value;
    ++i;
  }
  return options;
}

struct Mlp : torch::nn::Module {
  explicit Mlp(int64_t hidden)
      : fc1(register_module("fc1", torch::nn::Linear(kInputs, hidden))),
        fc2(register_module("fc2", torch::nn::Linear(hidden, hidden))),
        fc3(register_module("fc3", torch::nn::Linear(hidden, kClasses))) {}

  at::Tensor forward(const at::Tensor& x) {
    return fc3->forward(at::relu(fc2->forward(at::relu(fc1->forward(x)))));
  }

  torch::nn::Linear fc1, fc2, fc3;
};

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

// Sum of every parameter on this rank; equal on all ranks if DataParallel
// kept the replicas in step.
double parameterChecksum(torch::nn::Module& module) {
  double sum = 0;
  for (const at::Tensor& p : module.parameters()) sum += p.sum().item<double>();
  return sum;
}

}  // namespace

int main(int argc, char** argv) {
  return cohort::runMain(argc, argv, [&](cohort::Runtime& rt) {
    const Options options = parseOptions(argc, argv);
    at::set_num_threads(1);
    const int ranks = rt.size();

    at::manual_seed(0);  // DataParallel broadcasts rank 0's weights anyway
    auto net = std::make_shared<Mlp>(options.hidden);
    std::unique_ptr<cohort::DataParallel> dp;
    if (options.comm_only && !options.data_parallel) {
      throw cohort::ConfigError("--comm-only with --no-dp", "pass one of them");
    }
    if (options.data_parallel) {
      cohort::DataParallelOptions dp_options;
      dp_options.share_parameters = options.share;
      dp = std::make_unique<cohort::DataParallel>(net, rt.comm(), dp_options);
      if (options.share && !dp->sharesParameters()) {
        throw cohort::ConfigError("--share: the parameters could not be shared",
                                  "run at least 2 ranks on this machine with COHORT_SHM on");
      }
    }
    // cohort's fused SGD (one pass over parameter, gradient and momentum), or
    // with --torch-sgd libtorch's torch::optim::SGD (three passes).
    cohort::optim::SGD fused(net->parameters(), {0.01, 0.9});
    torch::optim::SGD plain(net->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));
    if (options.share && options.torch_sgd) {
      throw cohort::ConfigError("--share with --torch-sgd",
                                "libtorch's SGD would update shared parameters once per rank");
    }
    auto zeroGrad = [&] { options.torch_sgd ? plain.zero_grad() : fused.zeroGrad(); };
    auto update = [&] { options.torch_sgd ? static_cast<void>(plain.step()) : fused.step(); };

    // Synthetic data, different on each rank and fixed for the whole run.
    at::manual_seed(1000 + rt.rank());
    const at::Tensor inputs = at::randn({kBatch, kInputs});
    const at::Tensor labels = at::randint(kClasses, {kBatch}, at::kLong);

    // --comm-only: the buckets' reductions alone.
    std::vector<at::Tensor> buckets, residuals;
    if (options.comm_only) {
      std::vector<cohort::BufferSpec> specs;
      for (const auto& b : dp->buckets()) {
        specs.push_back({b.numel + static_cast<int64_t>(b.params.size()), at::kFloat});
      }
      buckets = rt.comm().newReductionBuffers(specs);
      for (const at::Tensor& b : buckets) residuals.push_back(at::zeros({2 * b.numel()}));
    }
    auto reduceOnly = [&] {
      std::vector<cohort::WorkPtr> works;
      for (size_t b = 0; b < buckets.size(); ++b) {
        works.push_back(
            rt.comm().allreduceBucketAsync(buckets[b], residuals[b], dp->compression()));
      }
      for (auto& w : works) w->wait();
      return 0.0;
    };

    // Each step's phases (seconds): forward with the loss, backward, and the
    // update with zeroing; the scaling model (docs/scaling.md) takes them from
    // the --no-dp run.
    std::vector<double> forwards, backwards, updates;
    auto step = [&] {
      if (options.comm_only) return reduceOnly();
      const auto t0 = std::chrono::steady_clock::now();
      zeroGrad();
      at::Tensor loss = at::cross_entropy_loss(net->forward(inputs), labels);
      const double value = loss.item<double>();
      const auto t1 = std::chrono::steady_clock::now();
      loss.backward();
      const auto t2 = std::chrono::steady_clock::now();
      update();
      const auto t3 = std::chrono::steady_clock::now();
      forwards.push_back(std::chrono::duration<double>(t1 - t0).count());
      backwards.push_back(std::chrono::duration<double>(t2 - t1).count());
      updates.push_back(std::chrono::duration<double>(t3 - t2).count());
      return value;
    };

    const double first_loss = step();
    for (int i = 1; i < options.warmup; ++i) step();

    std::vector<double> rates;
    std::vector<double> waits;  // per step: the end of backward waiting for the reductions
    double last_loss = 0;
    for (int b = 0; b < options.blocks; ++b) {
      MPI_Barrier(MPI_COMM_WORLD);
      const auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < options.steps; ++i) {
        last_loss = step();
        if (dp && !options.comm_only) waits.push_back(dp->lastCommTiming().wait_s);
      }
      const double local =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      double slowest = 0;
      MPI_Allreduce(&local, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
      rates.push_back(ranks * kBatch * options.steps / slowest);
    }

    // The replicas must agree after training, or the figure means nothing.
    const double checksum = parameterChecksum(*net);
    double low = 0, high = 0;
    MPI_Allreduce(&checksum, &low, 1, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(&checksum, &high, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    if (options.data_parallel && low != high) {
      throw cohort::Error("replicas diverged: parameter sums range from " + std::to_string(low) +
                              " to " + std::to_string(high),
                          "DataParallel did not average the gradients identically on every rank");
    }

    if (rt.rank() == 0) {
      const char* impl =
          options.comm_only
              ? "comm-only"
              : (options.data_parallel ? (options.share ? "cohort-shared" : "cohort") : "no-dp");
      std::printf(
          "%s: %d rank(s), %.1f samples/s (median of %d blocks of %d steps), "
          "loss %.4f -> %.4f\n",
          options.data_parallel
              ? (options.share ? "cohort DataParallel, shared parameters" : "cohort DataParallel")
              : "without DataParallel",
          ranks, median(rates), options.blocks, options.steps, first_loss, last_loss);
      auto medianMs = [](std::vector<double> v) { return v.empty() ? 0.0 : 1000 * median(v); };
      std::printf(
          "RESULT impl=%s ranks=%d samples_per_s=%.2f exposed_comm_ms=%.1f forward_ms=%.2f "
          "backward_ms=%.2f update_ms=%.2f\n",
          impl, ranks, median(rates), medianMs(waits), medianMs(forwards), medianMs(backwards),
          medianMs(updates));
      std::fflush(stdout);
    }
    return 0;
  });
}
