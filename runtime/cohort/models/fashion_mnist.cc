#include "cohort/models/fashion_mnist.h"

#include "cohort/core/json.h"
#include "cohort/models/conv_net.h"

namespace cohort::models {

torch::Tensor normaliseFashionMnist(const torch::Tensor& images) {
  return images.to(torch::kFloat32).div_(255).sub_(0.2860f).div_(0.3530f).unsqueeze(1);
}

std::optional<serve::BuiltModel> buildExampleArchitecture(const nlohmann::json& model_json) {
  if (jsonField(model_json, "architecture", std::string()) != kFashionMnistConvNet)
    return std::nullopt;
  const ConvNetSizes defaults;
  const nlohmann::json config = model_json.value("config", nlohmann::json::object());
  auto net = std::make_shared<ConvNet>(
      jsonField(config, "conv1", defaults.conv1), jsonField(config, "conv2", defaults.conv2),
      jsonField(config, "hidden", defaults.hidden), jsonField(config, "dropout", defaults.dropout));
  serve::BuiltModel built;
  built.module = net;
  built.forward = [net](const torch::Tensor& images) {
    return net->forward(normaliseFashionMnist(images));
  };
  built.input_name = "image";
  built.input_shape = {28, 28};
  built.output_name = "logits";
  return built;
}

}  // namespace cohort::models
