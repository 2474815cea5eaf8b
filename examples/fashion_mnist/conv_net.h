// The example's model: a small CNN for 28x28 grey images and 10 classes.
//
//   conv 5x5 (1 -> 16) -> ReLU -> max-pool 2   28x28 -> 14x14
//   conv 5x5 (16 -> 32) -> ReLU -> max-pool 2  14x14 -> 7x7
//   linear (32*7*7 -> 128) -> ReLU -> linear (128 -> 10)
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

namespace fashion_mnist {

class ConvNet : public torch::nn::Module {
 public:
  ConvNet();

  // images [N, 1, 28, 28] -> logits [N, 10]
  torch::Tensor forward(const torch::Tensor& images);

 private:
  torch::nn::Conv2d conv1_;
  torch::nn::Conv2d conv2_;
  torch::nn::Linear fc1_;
  torch::nn::Linear fc2_;
};

}  // namespace fashion_mnist
