#include "cohort/models/conv_net.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/dropout.h>
#include <torch/nn/functional/pooling.h>

namespace cohort::models {

namespace F = torch::nn::functional;

namespace {
constexpr int64_t kClasses = 10;
}  // namespace

ConvNet::ConvNet(int64_t conv1, int64_t conv2, int64_t hidden, double dropout)
    : conv1_(register_module("conv1",
                             torch::nn::Conv2d(torch::nn::Conv2dOptions(1, conv1, 5).padding(2)))),
      conv2_(register_module(
          "conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(conv1, conv2, 5).padding(2)))),
      fc1_(register_module("fc1", torch::nn::Linear(conv2 * 7 * 7, hidden))),
      fc2_(register_module("fc2", torch::nn::Linear(hidden, kClasses))),
      dropout_(dropout) {}

torch::Tensor ConvNet::forward(const torch::Tensor& images) {
  auto x = F::max_pool2d(torch::relu(conv1_->forward(images)), F::MaxPool2dFuncOptions(2));
  x = F::max_pool2d(torch::relu(conv2_->forward(x)), F::MaxPool2dFuncOptions(2));
  x = torch::relu(fc1_->forward(x.flatten(1)));
  if (dropout_ > 0) x = F::dropout(x, F::DropoutFuncOptions().p(dropout_).training(is_training()));
  return fc2_->forward(x);
}

}  // namespace cohort::models
