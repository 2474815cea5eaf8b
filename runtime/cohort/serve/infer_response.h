// The Open Inference Protocol's answers as JSON text: an infer response
//   {"model_name": "fm", "model_version": "3", "id": "42",
//    "outputs": [{"name": "logits", "shape": [2, 10], "datatype": "FP32", "data": [...]}]}
// (floats in their shortest text that reads back to the same value) and an
// error {"error": "..."}.
#pragma once

#include <string>
#include <vector>

#include "cohort/serve/tensor_data.h"

namespace cohort::serve {

struct InferResponse {
  std::string model_name;
  std::string model_version;  // "" leaves it out
  std::string id;             // "" leaves it out
  std::vector<Tensor> outputs;
};

std::string inferResponseJson(const InferResponse& response);
std::string errorJson(const std::string& message);

}  // namespace cohort::serve
