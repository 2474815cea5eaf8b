// The fast path of parseInferRequest (infer_request.h): the body read by
// simdjson's On-Demand parser straight into the tensors, with no document
// built: about 7 µs for a 784-float request, where nlohmann's SAX reader
// took 80 µs and its DOM about 250 µs (the numbers are most of it, and
// simdjson reads them with SIMD and exact rounding). It takes the common
// shape of a request only (each input's name, shape and datatype before its
// data, no member it does not know but "parameters", which it reads whole so
// that nothing it skips goes unchecked), and anything else, a problem
// included, is left to the DOM path, which gives the same result and the
// exact message naming the field. So the fast path never decides a
// refusal: it returns nullopt. tests/fuzz/fuzz_infer_request.cc holds the
// two paths to the same answers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cohort/serve/infer_request.h"

namespace cohort::serve {

std::optional<InferRequest> readInferRequestFast(std::string_view body,
                                                 const RequestLimits& limits);

// The DOM path alone: the request, or the RequestError naming the field.
InferRequest readInferRequestDom(std::string_view body, const RequestLimits& limits);

// One element of an input's data as either reader saw it.
struct JsonScalar {
  enum class Kind { kBool, kInteger, kBigUnsigned, kFloat, kOther };
  Kind kind = Kind::kOther;
  bool b = false;              // kBool
  int64_t i = 0;               // kInteger
  double d = 0;                // every number (kBigUnsigned: above INT64's range)
  const char* type_name = "";  // JSON's name for its type, for a refusal
};
// Appends `value` to `tensor`'s elements if it fits its datatype: "" then,
// else why not ("outside FP32's range"). The one rule both readers follow.
std::string appendElement(Tensor& tensor, const JsonScalar& value);

}  // namespace cohort::serve
