#include "cohort/serve/tensor_data.h"

namespace cohort::serve {

namespace {

struct Named {
  DataType type;
  const char* name;
};
constexpr Named kNames[] = {{DataType::kFp32, "FP32"},
                            {DataType::kFp64, "FP64"},
                            {DataType::kInt32, "INT32"},
                            {DataType::kInt64, "INT64"},
                            {DataType::kBool, "BOOL"}};

}  // namespace

std::optional<DataType> dataTypeNamed(const std::string& name) {
  for (const auto& n : kNames) {
    if (name == n.name) return n.type;
  }
  return std::nullopt;
}

const char* dataTypeName(DataType type) {
  for (const auto& n : kNames) {
    if (n.type == type) return n.name;
  }
  return "?";
}

std::string dataTypeNames() {
  std::string text;
  for (const auto& n : kNames) text += (text.empty() ? "" : ", ") + std::string(n.name);
  return text;
}

int64_t elementCount(const std::vector<int64_t>& shape, int64_t most) {
  int64_t count = 1;
  for (const int64_t d : shape) {
    if (d < 0) return -1;
    if (d != 0 && count > most / d) return -1;
    count *= d;
  }
  return count > most ? -1 : count;
}

int64_t Tensor::elements() const {
  switch (type) {
    case DataType::kFp32:
      return static_cast<int64_t>(fp32.size());
    case DataType::kFp64:
      return static_cast<int64_t>(fp64.size());
    default:
      return static_cast<int64_t>(ints.size());
  }
}

}  // namespace cohort::serve
