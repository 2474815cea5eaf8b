// Reading one file in the idx format (the format of MNIST and Fashion-MNIST),
// gzip-compressed or not.
//
// Layout: a 4-byte magic number -- two zero bytes, a type byte (0x08 for
// unsigned bytes, the only type read here) and the number of dimensions -- then
// each dimension as a big-endian 32-bit count, then the values, row-major.
//
// Every problem (missing file, wrong magic number, wrong number of dimensions,
// a file shorter or longer than its header says) is a cohort::DataError naming
// the file, what is wrong, and `what_to_do`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cohort_pack {

class IdxFile {
 public:
  // Reads `path`, which must hold unsigned bytes in `expected_dims` dimensions
  // (any number when expected_dims is 0).
  static IdxFile read(const std::string& path, int expected_dims, const std::string& what_to_do);

  const std::string& path() const { return path_; }
  const std::vector<int64_t>& dims() const { return dims_; }
  int64_t count() const { return dims_.empty() ? 0 : dims_[0]; }  // items along the first dimension
  const std::vector<uint8_t>& values() const { return values_; }

 private:
  std::string path_;
  std::vector<int64_t> dims_;
  std::vector<uint8_t> values_;
};

}  // namespace cohort_pack
