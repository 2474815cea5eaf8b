// A tensor as the Open Inference Protocol carries it: a name, a shape, a
// datatype and the elements in row-major order. The datatypes are the
// protocol's names; cohort reads FP32, FP64, INT32, INT64 and BOOL, and
// keeps each in the element type the protocol names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cohort::serve {

enum class DataType { kFp32, kFp64, kInt32, kInt64, kBool };

// "FP32" ... "BOOL"; nullopt for a name cohort does not read.
std::optional<DataType> dataTypeNamed(const std::string& name);
const char* dataTypeName(DataType type);
// The names dataTypeNamed reads, for a refusal: "FP32, FP64, INT32, INT64, BOOL".
std::string dataTypeNames();

struct Tensor {
  std::string name;
  std::vector<int64_t> shape;
  DataType type = DataType::kFp32;
  // The elements: in `fp32` for FP32, `fp64` for FP64, `ints` for INT32,
  // INT64 and BOOL (0 or 1).
  std::vector<float> fp32;
  std::vector<double> fp64;
  std::vector<int64_t> ints;

  int64_t elements() const;
};

// The product of `shape`, or -1 when a dimension is negative or the product
// passes `most`.
int64_t elementCount(const std::vector<int64_t>& shape, int64_t most);

}  // namespace cohort::serve
