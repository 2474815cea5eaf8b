#include "cohort/comm/mpi_types.h"

#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>

#include <algorithm>
#include <cstdint>

#include "cohort/comm/mpi_check.h"
#include "cohort/core/error.h"

namespace cohort {

namespace {

// Each user op reads two arrays of 16-bit values, combines them in float32
// and rounds the result back (round to nearest even, as c10's conversions do).
template <typename T, typename Combine>
void combine16(void* in, void* inout, int* len, MPI_Datatype*) {
  const T* a = static_cast<const T*>(in);
  T* b = static_cast<T*>(inout);
  Combine combine;
  for (int i = 0; i < *len; ++i) {
    b[i] = T(combine(static_cast<float>(a[i]), static_cast<float>(b[i])));
  }
}

struct Sum {
  float operator()(float a, float b) const { return a + b; }
};
struct Min {
  float operator()(float a, float b) const { return std::min(a, b); }
};
struct Max {
  float operator()(float a, float b) const { return std::max(a, b); }
};

int opIndex(ReduceOp op) {
  switch (op) {
    case ReduceOp::kSum:
    case ReduceOp::kAvg:
      return 0;
    case ReduceOp::kMin:
      return 1;
    case ReduceOp::kMax:
      return 2;
  }
  return 0;
}

}  // namespace

MpiTypes::MpiTypes() {
  COHORT_MPI_CHECK(MPI_Op_create(&combine16<c10::Half, Sum>, 1, &reduced_[0][0]));
  COHORT_MPI_CHECK(MPI_Op_create(&combine16<c10::Half, Min>, 1, &reduced_[0][1]));
  COHORT_MPI_CHECK(MPI_Op_create(&combine16<c10::Half, Max>, 1, &reduced_[0][2]));
  COHORT_MPI_CHECK(MPI_Op_create(&combine16<c10::BFloat16, Sum>, 1, &reduced_[1][0]));
  COHORT_MPI_CHECK(MPI_Op_create(&combine16<c10::BFloat16, Min>, 1, &reduced_[1][1]));
  COHORT_MPI_CHECK(MPI_Op_create(&combine16<c10::BFloat16, Max>, 1, &reduced_[1][2]));
}

MpiTypes::~MpiTypes() {
  for (auto& row : reduced_) {
    for (MPI_Op& op : row) COHORT_MPI_WARN(MPI_Op_free(&op));
  }
}

MPI_Datatype MpiTypes::datatype(c10::ScalarType type) const {
  switch (type) {
    case c10::ScalarType::Float:
      return MPI_FLOAT;
    case c10::ScalarType::Double:
      return MPI_DOUBLE;
    case c10::ScalarType::Long:
      return MPI_INT64_T;
    case c10::ScalarType::Int:
      return MPI_INT32_T;
    case c10::ScalarType::Byte:
      return MPI_UINT8_T;
    case c10::ScalarType::Half:
    case c10::ScalarType::BFloat16:
      return MPI_UINT16_T;
    default:
      throw CommError(std::string("cannot communicate tensors of dtype ") + c10::toString(type),
                      "use float32, float64, bfloat16, float16, int64, int32 or uint8");
  }
}

MPI_Op MpiTypes::op(ReduceOp op, c10::ScalarType type) const {
  if (type == c10::ScalarType::Half) return reduced_[0][opIndex(op)];
  if (type == c10::ScalarType::BFloat16) return reduced_[1][opIndex(op)];
  if (type == c10::ScalarType::Byte) {
    throw CommError("cannot reduce uint8 tensors", "reduce them as int32 or int64");
  }
  switch (op) {
    case ReduceOp::kSum:
    case ReduceOp::kAvg:
      return MPI_SUM;
    case ReduceOp::kMin:
      return MPI_MIN;
    case ReduceOp::kMax:
      return MPI_MAX;
  }
  return MPI_SUM;
}

}  // namespace cohort
