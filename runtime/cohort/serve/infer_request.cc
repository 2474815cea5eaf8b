#include "cohort/serve/infer_request.h"

#include <cmath>
#include <limits>
#include <set>

#include "cohort/core/json.h"
#include "cohort/core/shape_text.h"
#include "cohort/serve/infer_request_fast.h"

namespace cohort::serve {

namespace {

using nlohmann::json;

[[noreturn]] void refuse(const std::string& field, const std::string& problem) {
  throw RequestError(400, field + ": " + problem);
}

const json& member(const json& object, const char* key, const std::string& at) {
  const auto it = object.find(key);
  if (it == object.end()) refuse(at.empty() ? key : at + "." + key, "missing");
  return *it;
}

// `value` as appendElement takes it.
JsonScalar scalarOf(const json& value) {
  JsonScalar s;
  s.type_name = value.type_name();
  if (value.is_boolean()) {
    s.kind = JsonScalar::Kind::kBool;
    s.b = value.get<bool>();
  } else if (value.is_number_unsigned() &&
             value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    s.kind = JsonScalar::Kind::kBigUnsigned;
    s.d = value.get<double>();
  } else if (value.is_number_integer()) {
    s.kind = JsonScalar::Kind::kInteger;
    s.i = value.get<int64_t>();
    s.d = static_cast<double>(s.i);
  } else if (value.is_number_float()) {
    s.kind = JsonScalar::Kind::kFloat;
    s.d = value.get<double>();
  }
  return s;
}

// One element of `tensor`'s data, checked against its datatype.
void append(Tensor& tensor, const json& value, const std::string& at) {
  const std::string problem = appendElement(tensor, scalarOf(value));
  if (!problem.empty()) refuse(at, problem);
}

// Nested data: at depth `depth` an array of shape[depth] elements, scalars
// at the last dimension.
void appendNested(Tensor& tensor, const json& data, size_t depth, const std::string& at) {
  if (depth == tensor.shape.size()) {
    append(tensor, data, at);
    return;
  }
  if (!data.is_array())
    refuse(at, "a single value where the shape " + shapeText(tensor.shape) + " has a dimension");
  if (static_cast<int64_t>(data.size()) != tensor.shape[depth]) {
    refuse(at, std::to_string(data.size()) + " elements where dimension " + std::to_string(depth) +
                   " of the shape " + shapeText(tensor.shape) + " has " +
                   std::to_string(tensor.shape[depth]));
  }
  for (size_t i = 0; i < data.size(); ++i)
    appendNested(tensor, data[i], depth + 1, at + "[" + std::to_string(i) + "]");
}

Tensor readInput(const json& input, const std::string& at, int64_t* budget) {
  if (!input.is_object()) refuse(at, "not an object");
  Tensor tensor;
  const json& name = member(input, "name", at);
  if (!name.is_string() || name.get_ref<const std::string&>().empty())
    refuse(at + ".name", "not a non-empty string");
  tensor.name = name.get<std::string>();

  const json& shape = member(input, "shape", at);
  if (!shape.is_array()) refuse(at + ".shape", "not an array");
  for (size_t i = 0; i < shape.size(); ++i) {
    const std::string dim = at + ".shape[" + std::to_string(i) + "]";
    if (shape[i].is_number_unsigned() &&
        shape[i].get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      refuse(dim, "too large");
    if (!shape[i].is_number_integer()) refuse(dim, "not a whole number");
    if (shape[i].get<int64_t>() < 0) refuse(dim, "negative");
    tensor.shape.push_back(shape[i].get<int64_t>());
  }
  const int64_t count = elementCount(tensor.shape, *budget);
  if (count < 0) {
    refuse(at + ".shape", shapeText(tensor.shape) + " holds more elements than the " +
                              std::to_string(*budget) + " this request has left");
  }
  *budget -= count;

  const json& datatype = member(input, "datatype", at);
  if (!datatype.is_string()) refuse(at + ".datatype", "not a string");
  const auto type = dataTypeNamed(datatype.get<std::string>());
  if (!type) {
    refuse(at + ".datatype",
           "'" + datatype.get<std::string>().substr(0, 40) + "' is not one of " + dataTypeNames());
  }
  tensor.type = *type;

  const json& data = member(input, "data", at);
  if (!data.is_array()) refuse(at + ".data", "not an array");
  const bool nested = !data.empty() && data[0].is_array();
  if (nested) {
    appendNested(tensor, data, 0, at + ".data");
  } else {
    if (static_cast<int64_t>(data.size()) != count) {
      refuse(at + ".data", std::to_string(data.size()) + " elements where the shape " +
                               shapeText(tensor.shape) + " has " + std::to_string(count));
    }
    for (size_t i = 0; i < data.size(); ++i)
      append(tensor, data[i], at + ".data[" + std::to_string(i) + "]");
  }
  return tensor;
}

}  // namespace

std::string appendElement(Tensor& tensor, const JsonScalar& value) {
  using Kind = JsonScalar::Kind;
  const char* type = value.type_name;  // (a std::string only in a refusal: this runs per element)
  switch (tensor.type) {
    case DataType::kFp32:
    case DataType::kFp64:
      if (value.kind == Kind::kBool || value.kind == Kind::kOther)
        return std::string("not a number (") + type + ")";
      if (!std::isfinite(value.d)) return "not a finite number";
      if (tensor.type == DataType::kFp64) {
        tensor.fp64.push_back(value.d);
      } else {
        if (std::fabs(value.d) > std::numeric_limits<float>::max()) return "outside FP32's range";
        tensor.fp32.push_back(static_cast<float>(value.d));
      }
      return "";
    case DataType::kInt32:
    case DataType::kInt64:
      if (value.kind == Kind::kBigUnsigned) return "outside INT64's range";
      if (value.kind != Kind::kInteger) return std::string("not a whole number (") + type + ")";
      if (tensor.type == DataType::kInt32 && (value.i < std::numeric_limits<int32_t>::min() ||
                                              value.i > std::numeric_limits<int32_t>::max()))
        return "outside INT32's range";
      tensor.ints.push_back(value.i);
      return "";
    case DataType::kBool:
      if (value.kind != Kind::kBool) return std::string("not true or false (") + type + ")";
      tensor.ints.push_back(value.b ? 1 : 0);
      return "";
  }
  return "not a datatype cohort reads";
}

InferRequest parseInferRequest(std::string_view body, const RequestLimits& limits) {
  if (auto fast = readInferRequestFast(body, limits)) return std::move(*fast);
  return readInferRequestDom(body, limits);
}

InferRequest readInferRequestDom(std::string_view body, const RequestLimits& limits) {
  std::string why;
  const json doc = parseUntrustedJson(std::string(body), &why);
  if (doc.is_discarded()) refuse("the body", why);
  if (!doc.is_object()) refuse("the body", "not a JSON object");

  InferRequest request;
  if (const auto id = doc.find("id"); id != doc.end()) {
    if (!id->is_string()) refuse("id", "not a string");
    request.id = id->get<std::string>();
  }
  if (const auto p = doc.find("parameters"); p != doc.end() && !p->is_object())
    refuse("parameters", "not an object");

  const json& inputs = member(doc, "inputs", "");
  if (!inputs.is_array() || inputs.empty()) refuse("inputs", "not a non-empty array");
  if (static_cast<int>(inputs.size()) > limits.max_inputs)
    refuse("inputs", "more than " + std::to_string(limits.max_inputs) + " inputs");
  int64_t budget = limits.max_elements;
  std::set<std::string> names;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::string at = "inputs[" + std::to_string(i) + "]";
    request.inputs.push_back(readInput(inputs[i], at, &budget));
    if (!names.insert(request.inputs.back().name).second)
      refuse(at + ".name", "'" + request.inputs.back().name + "' is given twice");
  }

  if (const auto outputs = doc.find("outputs"); outputs != doc.end()) {
    if (!outputs->is_array()) refuse("outputs", "not an array");
    for (size_t i = 0; i < outputs->size(); ++i) {
      const std::string at = "outputs[" + std::to_string(i) + "]";
      const json& output = (*outputs)[i];
      if (!output.is_object()) refuse(at, "not an object");
      const json& name = member(output, "name", at);
      if (!name.is_string()) refuse(at + ".name", "not a string");
      request.outputs.push_back(name.get<std::string>());
    }
  }
  return request;
}

}  // namespace cohort::serve
