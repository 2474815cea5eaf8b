// One HDF5 file of named tensors, readable without cohort:
//
//   with h5py.File("model.h5") as f:  w = f["fc1.weight"][...]
//
// Each tensor is one contiguous dataset named by its state-dict name (dots are
// ordinary characters in HDF5 names), with its shape (a scalar for a 0-d
// tensor) and an attribute "dtype" holding libtorch's name of its type.
// float16 and bfloat16 are stored as 2-byte HDF5 floats described bit by bit
// (h5py reads the first as numpy float16; the second has no numpy type, read
// it as raw uint16 and shift into float32's top half). Small string metadata
// goes in attributes of the root group.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace cohort::checkpoint {

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

// Writes `tensors` (contiguous CPU tensors) and `attributes` to a new file at
// `path` (replacing one that is there). The bytes reach the page cache, not
// necessarily the disk: the caller seals the file (see checkpoint_folder.h).
// Throws cohort::Error naming the file and the tensor on failure.
void writeTensorFile(const std::string& path, const NamedTensors& tensors,
                     const std::map<std::string, std::string>& attributes);

struct TensorFile {
  NamedTensors tensors;  // in name order
  std::map<std::string, std::string> attributes;
};

// Reads every tensor and root attribute of a file writeTensorFile wrote.
// Throws cohort::DataError naming the file and what is wrong with it.
TensorFile readTensorFile(const std::string& path);

}  // namespace cohort::checkpoint
