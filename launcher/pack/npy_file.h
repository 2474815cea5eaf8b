// Reading numpy's .npy files (format versions 1.0, 2.0 and 3.0): a magic
// string, a header that is a Python dict literal
//   {'descr': '<f4', 'fortran_order': False, 'shape': (60000, 28, 28), }
// and the array's bytes. cohort-pack reads C-order, little-endian arrays of
// the dtypes a data set can hold.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cohort/data/manifest.h"

namespace cohort_pack {

struct NpyHeader {
  cohort::data::DType dtype = cohort::data::DType::kUInt8;
  std::vector<int64_t> shape;  // at least one dimension (the samples)
  int64_t data_offset = 0;     // where the values start
  int64_t data_bytes = 0;      // product(shape) * the dtype's size
};

// Parses the header at the start of `bytes` (the whole file or its first part);
// `path` names it in errors. Anything cohort-pack cannot use is a DataError.
NpyHeader parseNpyHeader(const std::string& bytes, const std::string& path);

}  // namespace cohort_pack
