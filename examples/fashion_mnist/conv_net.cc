#include "conv_net.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/pooling.h>

namespace fashion_mnist {

namespace F = torch::nn::functional;

namespace {
constexpr int64_t kChannels1 = 16;
constexpr int64_t kChannels2 = 32;
constexpr int64_t kHidden = 128;
constexpr int64_t kClasses = 10;
}  // namespace

ConvNet::ConvNet()
    : conv1_(register_module(
          "conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, kChannels1, 5).padding(2)))),
      conv2_(register_module(
          "conv2",
          torch::nn::Conv2d(torch::nn::Conv2dOptions(kChannels1, kChannels2, 5).padding(2)))),
      fc1_(register_module("fc1", torch::nn::Linear(kChannels2 * 7 * 7, kHidden))),
      fc2_(register_module("fc2", torch::nn::Linear(kHidden, kClasses))) {}

torch::Tensor ConvNet::forward(const torch::Tensor& images) {
  auto x = F::max_pool2d(torch::relu(conv1_->forward(images)), F::MaxPool2dFuncOptions(2));
  x = F::max_pool2d(torch::relu(conv2_->forward(x)), F::MaxPool2dFuncOptions(2));
  x = torch::relu(fc1_->forward(x.flatten(1)));
  return fc2_->forward(x);
}

}  // namespace fashion_mnist
