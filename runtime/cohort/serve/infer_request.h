// An Open Inference Protocol (KServe v2) infer request, read from its JSON
// body and checked before any model sees it:
//   {"id": "42", "parameters": {...},
//    "inputs": [{"name": "x", "shape": [2, 784], "datatype": "FP32", "data": [...]}],
//    "outputs": [{"name": "y"}]}
// `data` holds the tensor's elements in row-major order, flat or nested as
// the shape is; its element count must be the shape's. Every refusal is a
// RequestError (HTTP 400) whose message names the field, as a path
// ("inputs[0].data[3]: ..."), so a client can fix the request without the
// server's log.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cohort/serve/request_error.h"
#include "cohort/serve/tensor_data.h"

namespace cohort::serve {

struct RequestLimits {
  // Elements over all inputs of one request: a bound on what a small body
  // can make the server allocate (a shape of [1e12] with little data).
  int64_t max_elements = int64_t{1} << 26;
  int max_inputs = 64;
};

struct InferRequest {
  std::string id;                    // "" when the request has none
  std::vector<Tensor> inputs;        // in the request's order, names unique
  std::vector<std::string> outputs;  // requested outputs; empty: all of them
};

// Reads `body`. Throws RequestError (400) naming the first field that is
// wrong: not JSON (with the position), nested deeper than the untrusted-JSON
// bound, a missing or mistyped member, an unknown datatype, a negative or
// overflowing dimension, data of the wrong type or count, a value out of
// its datatype's range, NaN or an infinity (JSON has neither; the bare
// tokens are refused as not JSON).
InferRequest parseInferRequest(std::string_view body, const RequestLimits& limits = {});

}  // namespace cohort::serve
