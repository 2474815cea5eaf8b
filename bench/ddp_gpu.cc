// bench_ddp_gpu: what DataParallel costs on one GPU. Two identical models
// train side by side in one process on cuda:0 -- one plainly, one wrapped in
// cohort::DataParallel (which reduces its buckets over a 1-rank NCCL
// communicator, as it would over many) -- in alternating blocks of steps.
//
//   mpirun -n 1 bench_ddp_gpu [--blocks B] [--steps K]
//
// Model: 8 x (Linear 2048 -> 2048, ReLU), then Linear 2048 -> 10 (34M
// parameters, 134 MB of gradients in 6 buckets); batch 512; cross-entropy on
// fixed random data; cohort's fused SGD with momentum for both. Each block is
// timed from a synchronised start to a synchronised end; the overhead is
// 1 - (DataParallel samples/s) / (plain samples/s), the median over block
// pairs. Floor: at most 3%.
#include <ATen/ATen.h>
#include <cuda_runtime_api.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "cohort/cohort.h"
#include "cohort/ddp/data_parallel.h"
#include "cohort/optim/sgd.h"

namespace {

constexpr int64_t kWidth = 2048;
constexpr int64_t kBatch = 512;

std::shared_ptr<torch::nn::SequentialImpl> makeModel() {
  auto net = std::make_shared<torch::nn::SequentialImpl>();
  for (int i = 0; i < 8; ++i) {
    net->push_back(torch::nn::Linear(kWidth, kWidth));
    net->push_back(torch::nn::ReLU());
  }
  net->push_back(torch::nn::Linear(kWidth, 10));
  return net;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  return cohort::runMain(argc, argv, [&](cohort::Runtime& rt) {
    int blocks = 9, steps = 20;
    for (int i = 1; i + 1 < argc; i += 2) {
      if (std::strcmp(argv[i], "--blocks") == 0) blocks = std::max(1, std::atoi(argv[i + 1]));
      if (std::strcmp(argv[i], "--steps") == 0) steps = std::max(1, std::atoi(argv[i + 1]));
    }
    const c10::Device device = rt.device();
    if (!device.is_cuda()) throw cohort::Error("bench_ddp_gpu needs a GPU", "run it on one");
    at::manual_seed(0);
    auto plain = makeModel();
    auto wrapped = makeModel();
    plain->to(device);
    wrapped->to(device);
    cohort::DataParallel dp(wrapped);
    cohort::optim::SGD plain_opt(plain->parameters(), {0.01, 0.9});
    cohort::optim::SGD dp_opt(wrapped->parameters(), {0.01, 0.9});
    const at::Tensor x = at::randn({kBatch, kWidth}, at::TensorOptions().device(device));
    const at::Tensor y =
        at::randint(10, {kBatch}, at::TensorOptions().device(device).dtype(at::kLong));

    auto train = [&](torch::nn::SequentialImpl& net, cohort::optim::SGD& opt, int n) {
      cudaDeviceSynchronize();
      const auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < n; ++i) {
        opt.zeroGrad();
        at::cross_entropy_loss(net.forward(x), y).backward();
        opt.step();
      }
      cudaDeviceSynchronize();
      return kBatch * n /
             std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    train(*plain, plain_opt, 5);
    train(*wrapped, dp_opt, 5);
    std::vector<double> plain_rate, dp_rate, overhead;
    for (int b = 0; b < blocks; ++b) {
      // Alternate which goes first, so neither always follows the other.
      double p, d;
      if (b % 2 == 0) {
        p = train(*plain, plain_opt, steps);
        d = train(*wrapped, dp_opt, steps);
      } else {
        d = train(*wrapped, dp_opt, steps);
        p = train(*plain, plain_opt, steps);
      }
      plain_rate.push_back(p);
      dp_rate.push_back(d);
      overhead.push_back(1 - d / p);
    }
    const double o = median(overhead);
    std::printf("DataParallel on one GPU (%s), MLP 8x2048 + 10, batch %lld, fused SGD momentum:\n",
                device.str().c_str(), static_cast<long long>(kBatch));
    std::printf("%-24s %14s\n", "", "samples/s");
    std::printf("%-24s %14.0f\n", "plain training", median(plain_rate));
    std::printf("%-24s %14.0f\n", "cohort DataParallel", median(dp_rate));
    std::printf("overhead (median of %d block pairs): %.2f%%  floor <= 3%%: %s\n", blocks, 100 * o,
                o <= 0.03 ? "met" : "MISSED");
    return 0;
  });
}
