#include "cohort/serve/infer_response.h"

#include <charconv>
#include <nlohmann/json.hpp>

namespace cohort::serve {

namespace {

std::string text(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// `value` as its shortest round-trip text (to_chars), JSON-safe: the
// elements of an output are finite or refused before they get here.
template <typename T>
void appendNumber(std::string& out, T value) {
  char text[32];
  const auto end = std::to_chars(text, text + sizeof text, value).ptr;
  out.append(text, end);
}

void appendData(std::string& out, const Tensor& t) {
  out += '[';
  const int64_t n = t.elements();
  for (int64_t i = 0; i < n; ++i) {
    if (i) out += ',';
    switch (t.type) {
      case DataType::kFp32:
        appendNumber(out, t.fp32[i]);
        break;
      case DataType::kFp64:
        appendNumber(out, t.fp64[i]);
        break;
      case DataType::kBool:
        out += t.ints[i] ? "true" : "false";
        break;
      default:
        appendNumber(out, t.ints[i]);
    }
  }
  out += ']';
}

}  // namespace

std::string inferResponseJson(const InferResponse& response) {
  nlohmann::json head = {{"model_name", response.model_name}};
  if (!response.model_version.empty()) head["model_version"] = response.model_version;
  if (!response.id.empty()) head["id"] = response.id;
  std::string out = text(head);
  out.pop_back();  // the closing brace: the outputs follow
  out += ",\"outputs\":[";
  for (size_t i = 0; i < response.outputs.size(); ++i) {
    const Tensor& t = response.outputs[i];
    if (i) out += ',';
    out += "{\"name\":" + text(t.name) + ",\"shape\":" + text(t.shape) + ",\"datatype\":\"" +
           dataTypeName(t.type) + "\",\"data\":";
    appendData(out, t);
    out += '}';
  }
  return out + "]}";
}

std::string errorJson(const std::string& message) {
  return text(nlohmann::json{{"error", message}});
}

}  // namespace cohort::serve
