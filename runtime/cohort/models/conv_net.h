// The Fashion-MNIST example's model (examples/fashion_mnist): a small CNN
// for 28x28 grey images and 10 classes, with C1, C2 channels and H hidden
// units (the example's --conv1, --conv2, --hidden; 16, 64 and 256 by
// default):
//
//   conv 5x5 (1 -> C1) -> ReLU -> max-pool 2    28x28 -> 14x14
//   conv 5x5 (C1 -> C2) -> ReLU -> max-pool 2   14x14 -> 7x7
//   linear (C2*7*7 -> H) -> ReLU -> dropout -> linear (H -> 10)
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

namespace cohort::models {

// The sizes, and the defaults the example trains with (its dropout the one
// examples/fashion_mnist/sweep.yaml found).
struct ConvNetSizes {
  int64_t conv1 = 16;
  int64_t conv2 = 64;
  int64_t hidden = 256;
  double dropout = 0.15022081847417962;
};

class ConvNet : public torch::nn::Module {
 public:
  ConvNet(int64_t conv1, int64_t conv2, int64_t hidden, double dropout);

  // images [N, 1, 28, 28] -> logits [N, 10]
  torch::Tensor forward(const torch::Tensor& images);

 private:
  torch::nn::Conv2d conv1_;
  torch::nn::Conv2d conv2_;
  torch::nn::Linear fc1_;
  torch::nn::Linear fc2_;
  double dropout_;
};

}  // namespace cohort::models
