#include "cohort/checkpoint/tensor_file.h"

#include <ATen/ATen.h>

#include "cohort/core/error.h"
#include "cohort/data/hdf5_handle.h"

namespace cohort::checkpoint {

namespace {

using data::Hdf5Handle;
using data::hdf5Message;

const char* kDtypeAttribute = "dtype";

// A 2-byte IEEE-style float: sign at bit 15, then `exponent_bits`, then the
// mantissa; float16 is (5, 10), bfloat16 (8, 7).
hid_t halfType(size_t exponent_bits, size_t mantissa_bits) {
  hid_t type = H5Tcopy(H5T_IEEE_F32LE);
  H5Tset_fields(type, 15, mantissa_bits, exponent_bits, 0, mantissa_bits);
  H5Tset_size(type, 2);
  H5Tset_ebias(type, (size_t{1} << (exponent_bits - 1)) - 1);
  return type;
}

// The file type of a dtype (closed by the caller), or -1 for one not stored.
hid_t fileType(at::ScalarType dtype) {
  switch (dtype) {
    case at::kFloat: return H5Tcopy(H5T_IEEE_F32LE);
    case at::kDouble: return H5Tcopy(H5T_IEEE_F64LE);
    case at::kHalf: return halfType(5, 10);
    case at::kBFloat16: return halfType(8, 7);
    case at::kByte: return H5Tcopy(H5T_STD_U8LE);
    case at::kBool: return H5Tcopy(H5T_STD_U8LE);
    case at::kChar: return H5Tcopy(H5T_STD_I8LE);
    case at::kShort: return H5Tcopy(H5T_STD_I16LE);
    case at::kInt: return H5Tcopy(H5T_STD_I32LE);
    case at::kLong: return H5Tcopy(H5T_STD_I64LE);
    default: return -1;
  }
}

at::ScalarType dtypeNamed(const std::string& name, bool* known) {
  for (at::ScalarType t : {at::kFloat, at::kDouble, at::kHalf, at::kBFloat16, at::kByte, at::kBool, at::kChar,
                           at::kShort, at::kInt, at::kLong}) {
    if (name == c10::toString(t)) {
      *known = true;
      return t;
    }
  }
  *known = false;
  return at::kByte;
}

void writeStringAttribute(hid_t object, const std::string& name, const std::string& value) {
  Hdf5Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), value.empty() ? 1 : value.size());
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  Hdf5Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Hdf5Handle attribute(H5Acreate2(object, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                       H5Aclose);
  if (!attribute.valid() || H5Awrite(attribute.get(), type.get(), value.empty() ? "" : value.data()) < 0) {
    throw Error("cannot write the attribute '" + name + "': " + hdf5Message());
  }
}

bool readStringAttribute(hid_t attribute, std::string* value) {
  Hdf5Handle type(H5Aget_type(attribute), H5Tclose);
  if (!type.valid() || H5Tget_class(type.get()) != H5T_STRING || H5Tis_variable_str(type.get()) > 0) return false;
  value->assign(H5Tget_size(type.get()), '\0');
  if (H5Aread(attribute, type.get(), value->data()) < 0) return false;
  while (!value->empty() && value->back() == '\0') value->pop_back();
  return true;
}

void writeTensor(hid_t file, const std::string& name, const at::Tensor& tensor) {
  COHORT_CHECK(tensor.device().is_cpu() && tensor.is_contiguous(), Error,
               "the tensor '" + name + "' is not a contiguous CPU tensor", "this is a bug in cohort");
  Hdf5Handle type(fileType(tensor.scalar_type()), H5Tclose);
  if (!type.valid()) {
    throw Error("the tensor '" + name + "' is " + c10::toString(tensor.scalar_type()) +
                    ", which cohort cannot store in a checkpoint",
                "keep model state in float, half, bfloat16, integer or bool tensors");
  }
  std::vector<hsize_t> dims(tensor.sizes().begin(), tensor.sizes().end());
  Hdf5Handle space(dims.empty() ? H5Screate(H5S_SCALAR)
                                : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                   H5Sclose);
  // Contiguous, never pre-filled: each tensor's bytes are written once.
  Hdf5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_layout(dcpl.get(), H5D_CONTIGUOUS);
  H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER);
  Hdf5Handle dataset(
      H5Dcreate2(file, name.c_str(), type.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT), H5Dclose);
  if (!dataset.valid()) throw Error("cannot create the dataset '" + name + "': " + hdf5Message());
  // The memory layout is the file's (little-endian), so HDF5 copies the bytes as they are.
  if (tensor.numel() > 0 &&
      H5Dwrite(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, tensor.data_ptr()) < 0) {
    throw Error("cannot write the tensor '" + name + "': " + hdf5Message());
  }
  writeStringAttribute(dataset.get(), kDtypeAttribute, c10::toString(tensor.scalar_type()));
}

[[noreturn]] void damaged(const std::string& path, const std::string& what) {
  throw DataError(path + ": " + what, "the file is damaged or was not written by cohort's checkpointer");
}

at::Tensor readTensor(hid_t file, const std::string& name, const std::string& path) {
  Hdf5Handle dataset(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dataset.valid()) damaged(path, "cannot open the dataset '" + name + "': " + hdf5Message());
  std::string dtype_name;
  {
    if (H5Aexists(dataset.get(), kDtypeAttribute) <= 0) damaged(path, "the dataset '" + name + "' has no dtype");
    Hdf5Handle attribute(H5Aopen(dataset.get(), kDtypeAttribute, H5P_DEFAULT), H5Aclose);
    if (!attribute.valid() || !readStringAttribute(attribute.get(), &dtype_name)) {
      damaged(path, "the dtype of the dataset '" + name + "' cannot be read");
    }
  }
  bool known = false;
  const at::ScalarType dtype = dtypeNamed(dtype_name, &known);
  if (!known) damaged(path, "the dataset '" + name + "' has the unknown dtype '" + dtype_name + "'");
  Hdf5Handle type(H5Dget_type(dataset.get()), H5Tclose);
  Hdf5Handle expected(fileType(dtype), H5Tclose);
  if (!type.valid() || H5Tequal(type.get(), expected.get()) <= 0) {
    damaged(path, "the dataset '" + name + "' is not stored as " + dtype_name);
  }
  Hdf5Handle space(H5Dget_space(dataset.get()), H5Sclose);
  const int rank = space.valid() ? H5Sget_simple_extent_ndims(space.get()) : -1;
  if (rank < 0 || rank > 16) damaged(path, "the dataset '" + name + "' has an unusable shape");
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  at::Tensor tensor = at::empty(std::vector<int64_t>(dims.begin(), dims.end()), at::TensorOptions().dtype(dtype));
  if (tensor.numel() > 0 &&
      H5Dread(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, tensor.data_ptr()) < 0) {
    damaged(path, "cannot read the dataset '" + name + "': " + hdf5Message());
  }
  return tensor;
}

herr_t collectName(hid_t, const char* name, const H5L_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->push_back(name);
  return 0;
}

herr_t collectAttribute(hid_t object, const char* name, const H5A_info_t*, void* out) {
  auto* attributes = static_cast<std::map<std::string, std::string>*>(out);
  Hdf5Handle attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
  std::string value;
  if (attribute.valid() && readStringAttribute(attribute.get(), &value)) (*attributes)[name] = value;
  return 0;
}

}  // namespace

void writeTensorFile(const std::string& path, const NamedTensors& tensors,
                     const std::map<std::string, std::string>& attributes) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // failures are reported by the exceptions
  Hdf5Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) throw Error("cannot create " + path + ": " + hdf5Message(), "check that the folder is writable");
  try {
    for (const auto& [name, tensor] : tensors) writeTensor(file.get(), name, tensor);
    for (const auto& [name, value] : attributes) writeStringAttribute(file.get(), name, value);
  } catch (const Error& e) {
    throw Error(path + ": " + e.detail(), "check the free space and that the folder is writable");
  }
  if (H5Fflush(file.get(), H5F_SCOPE_LOCAL) < 0) {
    throw Error("cannot write " + path + ": " + hdf5Message(), "check the free space on its disk");
  }
}

TensorFile readTensorFile(const std::string& path) {
  // HDF5 prints its error stack by default; cohort reports the failures itself.
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  Hdf5Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) damaged(path, "HDF5 cannot open it: " + hdf5Message());
  std::vector<std::string> names;
  hsize_t index = 0;
  if (H5Literate(file.get(), H5_INDEX_NAME, H5_ITER_INC, &index, collectName, &names) < 0) {
    damaged(path, "cannot list its datasets: " + hdf5Message());
  }
  TensorFile result;
  for (const auto& name : names) result.tensors.emplace_back(name, readTensor(file.get(), name, path));
  hsize_t attribute_index = 0;
  H5Aiterate2(file.get(), H5_INDEX_NAME, H5_ITER_INC, &attribute_index, collectAttribute, &result.attributes);
  return result;
}

}  // namespace cohort::checkpoint
