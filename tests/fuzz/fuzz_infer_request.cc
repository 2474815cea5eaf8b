// The body of an Open Inference Protocol infer request, as cohort-serve reads
// it: accepted with every input's element count equal to its shape's, or
// refused with 400 and a message.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cohort/serve/infer_request.h"
#include "cohort/serve/infer_response.h"

using namespace cohort::serve;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  try {
    const InferRequest request = parseInferRequest(body, {/*max_elements=*/1 << 20, 16});
    for (const Tensor& t : request.inputs) {
      if (t.elements() != elementCount(t.shape, int64_t{1} << 20)) std::abort();
    }
    inferResponseJson({"m", "1", request.id, request.inputs});  // answers what it read
  } catch (const RequestError& e) {
    if (e.status() != 400 || std::string_view(e.what()).empty()) std::abort();
  }
  return 0;
}
