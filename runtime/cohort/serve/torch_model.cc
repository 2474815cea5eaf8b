#include "cohort/serve/torch_model.h"

#include <ATen/ops/cat.h>
#include <ATen/ops/from_blob.h>
#include <ATen/ops/zeros.h>
#include <c10/core/InferenceMode.h>
#include <torch/script.h>

#include <algorithm>
#include <map>

#include "cohort/checkpoint/module_state.h"
#include "cohort/checkpoint/tensor_file.h"
#include "cohort/core/error.h"
#include "cohort/core/shape_text.h"
#include "cohort/optim/optimizer_state.h"

namespace cohort::serve {

namespace {

at::ScalarType scalarType(DataType type) {
  switch (type) {
    case DataType::kFp32:
      return at::kFloat;
    case DataType::kFp64:
      return at::kDouble;
    case DataType::kInt32:
      return at::kInt;
    case DataType::kInt64:
      return at::kLong;
    case DataType::kBool:
      return at::kBool;
  }
  return at::kFloat;
}

at::Tensor toTorch(const Tensor& t) {
  switch (t.type) {
    case DataType::kFp32:
      return at::from_blob(const_cast<float*>(t.fp32.data()), t.shape, at::kFloat).clone();
    case DataType::kFp64:
      return at::from_blob(const_cast<double*>(t.fp64.data()), t.shape, at::kDouble).clone();
    default:
      return at::from_blob(const_cast<int64_t*>(t.ints.data()), t.shape, at::kLong)
          .to(scalarType(t.type));
  }
}

// Rows [first, first + rows) of `output` as the protocol's tensor.
Tensor fromTorch(const std::string& name, const at::Tensor& output, int64_t first, int64_t rows) {
  at::Tensor part = output.narrow(0, first, rows).contiguous();
  Tensor t;
  t.name = name;
  t.shape.assign(part.sizes().begin(), part.sizes().end());
  if (part.scalar_type() == at::kDouble) {
    t.type = DataType::kFp64;
    t.fp64.assign(part.data_ptr<double>(), part.data_ptr<double>() + part.numel());
  } else if (part.is_floating_point()) {
    t.type = DataType::kFp32;
    part = part.to(at::kFloat);
    t.fp32.assign(part.data_ptr<float>(), part.data_ptr<float>() + part.numel());
  } else {
    t.type = part.scalar_type() == at::kBool ? DataType::kBool : DataType::kInt64;
    part = part.to(at::kLong);
    t.ints.assign(part.data_ptr<int64_t>(), part.data_ptr<int64_t>() + part.numel());
  }
  return t;
}

// The first line of a libtorch message (its C++ stack trace follows); for
// TorchScript, whose first line says only that the interpreter failed, the
// line of the error it raised.
std::string firstLine(const std::string& text) {
  const size_t raised = text.rfind("Error: ");
  size_t from = 0;
  if (raised != std::string::npos) {
    const size_t newline = text.rfind('\n', raised);
    from = newline == std::string::npos ? 0 : newline + 1;
  }
  const std::string line = text.substr(from);
  return line.substr(0, std::min<size_t>(line.find('\n'), 300));
}

class TorchModel : public ServedModel {
 public:
  TorchModel(ModelIdentity identity, BuiltModel built)
      : ServedModel(std::move(identity)), built_(std::move(built)) {}

  int64_t rowsOf(const InferRequest& request) const override {
    if (request.inputs.size() != 1) {
      throw RequestError(400, "inputs: this model takes one input ('" + built_.input_name +
                                  "'), not " + std::to_string(request.inputs.size()));
    }
    const Tensor& in = request.inputs[0];
    if (in.shape.empty())
      throw RequestError(400, "inputs[0].shape: the batch dimension is missing");
    if (!built_.input_shape.empty()) {
      if (in.type != built_.input_type) {
        throw RequestError(400, std::string("inputs[0].datatype: this model takes ") +
                                    dataTypeName(built_.input_type));
      }
      bool fits = in.shape.size() == built_.input_shape.size() + 1;
      for (size_t i = 0; fits && i < built_.input_shape.size(); ++i)
        fits = built_.input_shape[i] < 0 || built_.input_shape[i] == in.shape[i + 1];
      if (!fits) {
        throw RequestError(400, "inputs[0].shape: this model takes " + shapeText(inputShape()) +
                                    " (the first dimension the batch)");
      }
    }
    for (const auto& wanted : request.outputs) {
      if (wanted != built_.output_name)
        throw RequestError(400,
                           "outputs: this model has no output '" + wanted.substr(0, 128) + "'");
    }
    return in.shape[0];
  }

  std::vector<BatchResult> run(const std::vector<BatchItem*>& batch) override {
    // Requests that can share a forward pass: same datatype, same trailing shape.
    std::map<std::pair<int, std::vector<int64_t>>, std::vector<size_t>> groups;
    for (size_t i = 0; i < batch.size(); ++i) {
      const Tensor& in = batch[i]->request.inputs[0];
      groups[{static_cast<int>(in.type), {in.shape.begin() + 1, in.shape.end()}}].push_back(i);
    }
    std::vector<BatchResult> results(batch.size());
    for (const auto& [key, members] : groups) runGroup(batch, members, &results);
    return results;
  }

  void warm() override {
    if (built_.input_shape.empty()) return;  // TorchScript: the input is not known
    std::vector<int64_t> shape{1};
    for (const int64_t d : built_.input_shape) shape.push_back(d < 0 ? 1 : d);
    c10::InferenceMode guard;
    built_.forward(at::zeros(shape, scalarType(built_.input_type)));
  }

  nlohmann::json metadata() const override {
    return {
        {"name", identity_.name},
        {"versions", identity_.version.empty() ? nlohmann::json::array()
                                               : nlohmann::json::array({identity_.version})},
        {"platform", identity_.platform},
        {"inputs",
         {{{"name", built_.input_name},
           {"datatype", dataTypeName(built_.input_type)},
           {"shape", inputShape()}}}},
        {"outputs", {{{"name", built_.output_name}, {"datatype", "FP32"}, {"shape", {-1, -1}}}}}};
  }

 private:
  std::vector<int64_t> inputShape() const {
    std::vector<int64_t> shape{-1};
    shape.insert(shape.end(), built_.input_shape.begin(), built_.input_shape.end());
    return shape;
  }

  void runGroup(const std::vector<BatchItem*>& batch, const std::vector<size_t>& members,
                std::vector<BatchResult>* results) {
    try {
      std::vector<at::Tensor> parts;
      int64_t rows = 0;
      for (const size_t i : members) {
        parts.push_back(toTorch(batch[i]->request.inputs[0]));
        rows += batch[i]->rows;
      }
      at::Tensor output;
      {
        c10::InferenceMode guard;
        output = built_.forward(parts.size() == 1 ? parts[0] : at::cat(parts, 0));
      }
      if (output.dim() == 0 || output.size(0) != rows) {
        throw Error("the model answered " + std::to_string(output.dim() ? output.size(0) : 0) +
                    " rows for " + std::to_string(rows));
      }
      int64_t first = 0;
      for (const size_t i : members) {
        (*results)[i] = {200, "", {fromTorch(built_.output_name, output, first, batch[i]->rows)}};
        first += batch[i]->rows;
      }
    } catch (const std::exception& e) {
      if (members.size() > 1) {
        for (const size_t i : members) runGroup(batch, {i}, results);  // find the one at fault
        return;
      }
      (*results)[members[0]] = {
          400, "the model cannot take this input: " + firstLine(e.what()), {}};
    }
  }

  BuiltModel built_;
};

}  // namespace

std::unique_ptr<ServedModel> loadTorchScript(const std::string& file, ModelIdentity identity) {
  auto module = std::make_shared<torch::jit::Module>();
  try {
    *module = torch::jit::load(file);
  } catch (const std::exception& e) {
    throw Error("cannot load the TorchScript model " + file + ": " + firstLine(e.what()),
                "save it with torch.jit.save from PyTorch 1.13 or older");
  }
  module->eval();
  BuiltModel built;
  built.forward = [module](const at::Tensor& x) { return module->forward({x}).toTensor(); };
  identity.platform = "pytorch_torchscript";
  return std::make_unique<TorchModel>(std::move(identity), std::move(built));
}

std::unique_ptr<ServedModel> loadBuiltModel(BuiltModel built, const std::string& weights_file,
                                            ModelIdentity identity) {
  const auto file = checkpoint::readTensorFile(weights_file);
  const checkpoint::NamedTensors live = checkpoint::moduleState(*built.module);
  const std::string mismatch = optim::describeMismatch(file.tensors, live, weights_file);
  if (!mismatch.empty())
    throw Error(mismatch + ", for this architecture",
                "serve the version with the trainer that exported it");
  std::map<std::string, at::Tensor> stored(file.tensors.begin(), file.tensors.end());
  at::NoGradGuard no_grad;
  for (const auto& [name, tensor] : live) tensor.copy_(stored.at(name));
  built.module->eval();
  identity.platform = "pytorch_libtorch";
  return std::make_unique<TorchModel>(std::move(identity), std::move(built));
}

}  // namespace cohort::serve
