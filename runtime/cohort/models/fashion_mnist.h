// The example architectures cohort builds by name: what cohort-serve (and
// the example's own `fashion_mnist serve`) builds for a version whose
// model.json names one, so that such a version is served without the binary
// that trained it. A trainer's own architecture is served by its own binary
// (cohort::serve::run with its factory); TorchScript needs neither.
#pragma once

#include <torch/types.h>
#include <nlohmann/json.hpp>

#include <optional>

#include "cohort/serve/torch_model.h"

namespace cohort::models {

// model.json's "architecture" of the Fashion-MNIST example's ConvNet.
constexpr const char* kFashionMnistConvNet = "fashion_mnist.ConvNet";

// Images as the data set holds them (uint8 or float, pixels 0-255, [N, 28,
// 28]) to the ConvNet's input [N, 1, 28, 28]: scaled to [0, 1] and
// normalised with the training pixels' mean 0.2860 and deviation 0.3530.
torch::Tensor normaliseFashionMnist(const torch::Tensor& images);

// The architecture `model_json` names, with the sizes of its "config"
// (ConvNetSizes' defaults for any it lacks), taking "image" FP32 [N, 28, 28]
// and answering "logits" [N, 10]; nullopt for an architecture not here.
std::optional<serve::BuiltModel> buildExampleArchitecture(const nlohmann::json& model_json);

}  // namespace cohort::models
