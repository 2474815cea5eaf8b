// The body of an Open Inference Protocol infer request, as cohort-serve reads
// it: accepted with every input's element count equal to its shape's, or
// refused with 400 and a message; and what the fast path (simdjson) accepts, the
// DOM path accepts too, with the same tensors.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cohort/serve/infer_request.h"
#include "cohort/serve/infer_request_fast.h"
#include "cohort/serve/infer_response.h"

using namespace cohort::serve;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const RequestLimits limits{/*max_elements=*/1 << 20, 16};
  if (const auto fast = readInferRequestFast(body, limits)) {
    const InferRequest dom = readInferRequestDom(body, limits);  // throws: the paths disagree
    if (dom.id != fast->id || dom.outputs != fast->outputs ||
        dom.inputs.size() != fast->inputs.size())
      std::abort();
    for (size_t i = 0; i < dom.inputs.size(); ++i) {
      const Tensor &a = dom.inputs[i], &b = fast->inputs[i];
      if (a.name != b.name || a.shape != b.shape || a.type != b.type || a.ints != b.ints ||
          a.fp64 != b.fp64 || a.fp32 != b.fp32)
        std::abort();
    }
  }
  try {
    const InferRequest request = parseInferRequest(body, limits);
    for (const Tensor& t : request.inputs) {
      if (t.elements() != elementCount(t.shape, int64_t{1} << 20)) std::abort();
    }
    inferResponseJson({"m", "1", request.id, request.inputs});  // answers what it read
  } catch (const RequestError& e) {
    if (e.status() != 400 || std::string_view(e.what()).empty()) std::abort();
  }
  return 0;
}
