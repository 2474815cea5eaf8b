#include "cohort/checkpoint/tensor_file.h"

#include <ATen/ops/empty.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

#include "cohort/core/error.h"
#include "cohort/core/file_io.h"
#include "cohort/data/hdf5_handle.h"

namespace cohort::checkpoint {

namespace {

using data::Hdf5Handle;
using data::hdf5Message;
using data::storesEnough;

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
    case at::kFloat:
      return H5Tcopy(H5T_IEEE_F32LE);
    case at::kDouble:
      return H5Tcopy(H5T_IEEE_F64LE);
    case at::kHalf:
      return halfType(5, 10);
    case at::kBFloat16:
      return halfType(8, 7);
    case at::kByte:
      return H5Tcopy(H5T_STD_U8LE);
    case at::kBool:
      return H5Tcopy(H5T_STD_U8LE);
    case at::kChar:
      return H5Tcopy(H5T_STD_I8LE);
    case at::kShort:
      return H5Tcopy(H5T_STD_I16LE);
    case at::kInt:
      return H5Tcopy(H5T_STD_I32LE);
    case at::kLong:
      return H5Tcopy(H5T_STD_I64LE);
    default:
      return -1;
  }
}

at::ScalarType dtypeNamed(const std::string& name, bool* known) {
  for (at::ScalarType t : {at::kFloat, at::kDouble, at::kHalf, at::kBFloat16, at::kByte, at::kBool,
                           at::kChar, at::kShort, at::kInt, at::kLong}) {
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
  Hdf5Handle attribute(
      H5Acreate2(object, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
      H5Aclose);
  if (!attribute.valid() ||
      H5Awrite(attribute.get(), type.get(), value.empty() ? "" : value.data()) < 0) {
    throw Error("cannot write the attribute '" + name + "': " + hdf5Message());
  }
}

bool readStringAttribute(hid_t attribute, std::string* value) {
  Hdf5Handle type(H5Aget_type(attribute), H5Tclose);
  if (!type.valid() || H5Tget_class(type.get()) != H5T_STRING || H5Tis_variable_str(type.get()) > 0)
    return false;
  value->assign(H5Tget_size(type.get()), '\0');
  if (H5Aread(attribute, type.get(), value->data()) < 0) return false;
  while (!value->empty() && value->back() == '\0') value->pop_back();
  return true;
}

// Creates the dataset of one tensor, its space allocated in the file at once
// and never filled (see Note [Tensor file writes]), with its dtype attribute.
std::unique_ptr<Hdf5Handle> createDataset(hid_t file, const std::string& name,
                                          const at::Tensor& tensor) {
  COHORT_CHECK(tensor.device().is_cpu() && tensor.is_contiguous(), Error,
               "the tensor '" + name + "' is not a contiguous CPU tensor",
               "this is a bug in cohort");
  Hdf5Handle type(fileType(tensor.scalar_type()), H5Tclose);
  if (!type.valid()) {
    throw Error("the tensor '" + name + "' is " + c10::toString(tensor.scalar_type()) +
                    ", which cohort cannot store in a checkpoint",
                "keep model state in float, half, bfloat16, integer or bool tensors");
  }
  std::vector<hsize_t> dims(tensor.sizes().begin(), tensor.sizes().end());
  Hdf5Handle space(dims.empty()
                       ? H5Screate(H5S_SCALAR)
                       : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                   H5Sclose);
  Hdf5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_layout(dcpl.get(), H5D_CONTIGUOUS);
  H5Pset_alloc_time(dcpl.get(), H5D_ALLOC_TIME_EARLY);
  H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER);
  auto dataset = std::make_unique<Hdf5Handle>(
      H5Dcreate2(file, name.c_str(), type.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
      H5Dclose);
  if (!dataset->valid()) throw Error("cannot create the dataset '" + name + "': " + hdf5Message());
  writeStringAttribute(dataset->get(), kDtypeAttribute, c10::toString(tensor.scalar_type()));
  return dataset;
}

// Writes a tensor's bytes into its dataset and starts their writeback (`fd`
// is the same file, opened for writing).
void writeData(hid_t dataset, int fd, const std::string& name, const at::Tensor& tensor) {
  if (tensor.numel() == 0) return;
  Hdf5Handle type(fileType(tensor.scalar_type()), H5Tclose);
  // The memory layout is the file's (little-endian), so HDF5 copies the bytes as they are.
  if (H5Dwrite(dataset, type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, tensor.data_ptr()) < 0) {
    throw Error("cannot write the tensor '" + name + "': " + hdf5Message());
  }
  const haddr_t offset = H5Dget_offset(dataset);
  if (fd >= 0 && offset != HADDR_UNDEF) {
    ::sync_file_range(fd, static_cast<off64_t>(offset), static_cast<off64_t>(tensor.nbytes()),
                      SYNC_FILE_RANGE_WRITE);
  }
}

// Refuses a file that would outgrow this process's file-size limit (ulimit
// -f) before HDF5 creates it; `bytes` is an upper bound of its size.
void checkFileSizeLimit(const std::string& path, uint64_t bytes) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_FSIZE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY ||
      bytes <= limit.rlim_cur)
    return;
  throw Error(path + " would be up to " + std::to_string(bytes) +
                  " bytes, over this process's file-size limit of " +
                  std::to_string(limit.rlim_cur) + " bytes: " + std::strerror(EFBIG),
              "raise the limit (ulimit -f unlimited) or checkpoint less state");
}

// Reserves the file's first `bytes` on the disk (a no-op where the filesystem
// cannot); throws naming the system's reason (no space, quota) when it cannot.
void reserveSpace(int fd, uint64_t bytes) {
  if (bytes == 0 || ::fallocate(fd, 0, 0, static_cast<off_t>(bytes)) == 0) return;
  const int error = errno;
  if (error == EOPNOTSUPP || error == ENOSYS || error == EINVAL) return;
  throw Error("cannot reserve its " + std::to_string((bytes + (1 << 20) - 1) >> 20) +
                  " MiB on the disk: " + std::strerror(error),
              "free space on the disk");
}

[[noreturn]] void damaged(const std::string& path, const std::string& what) {
  throw DataError(path + ": " + what,
                  "the file is damaged or was not written by cohort's checkpointer");
}

// `file_bytes`: the file's size, which holds every tensor's bytes (they are
// stored whole, never compressed), so a shape that claims more is damage, and
// is refused before any memory is taken for it.
at::Tensor readTensor(hid_t file, const std::string& name, const std::string& path,
                      uint64_t file_bytes) {
  Hdf5Handle dataset(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dataset.valid()) damaged(path, "cannot open the dataset '" + name + "': " + hdf5Message());
  std::string dtype_name;
  {
    if (H5Aexists(dataset.get(), kDtypeAttribute) <= 0)
      damaged(path, "the dataset '" + name + "' has no dtype");
    Hdf5Handle attribute(H5Aopen(dataset.get(), kDtypeAttribute, H5P_DEFAULT), H5Aclose);
    if (!attribute.valid() || !readStringAttribute(attribute.get(), &dtype_name)) {
      damaged(path, "the dtype of the dataset '" + name + "' cannot be read");
    }
  }
  bool known = false;
  const at::ScalarType dtype = dtypeNamed(dtype_name, &known);
  if (!known)
    damaged(path, "the dataset '" + name + "' has the unknown dtype '" + dtype_name + "'");
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
  uint64_t bytes = at::elementSize(dtype);
  for (const hsize_t d : dims) {
    if (d != 0 && bytes > file_bytes / d) {
      damaged(path, "the dataset '" + name + "' claims more bytes than the file's " +
                        std::to_string(file_bytes));
    }
    bytes *= d;
  }
  if (!storesEnough(dataset.get(), bytes)) {
    damaged(path, "the dataset '" + name + "' stores fewer bytes than its shape needs (" +
                      std::to_string(bytes) + ")");
  }
  at::Tensor tensor =
      at::empty(std::vector<int64_t>(dims.begin(), dims.end()), at::TensorOptions().dtype(dtype));
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
  if (attribute.valid() && readStringAttribute(attribute.get(), &value))
    (*attributes)[name] = value;
  return 0;
}

}  // namespace

// Note [Tensor file writes]
// HDF5 1.10 cannot recover from a write that fails: H5Fclose then fails too,
// the file's identifier stays, and the library crashes closing it again at
// exit. So no write that can run out of space is ever HDF5's: (1) every
// dataset is created with its space allocated at once (never filled), and the
// metadata flushed, which sets the file's size (sparse); (2) the whole file is
// reserved with fallocate, so that a full disk or a quota is reported then,
// while the HDF5 file is consistent and closes cleanly; (3) the tensors' bytes
// go into the reserved space, and each one's writeback starts as soon as it is
// written, so the disk works while the next is copied (sealFile waits for less).
// A file-size limit (ulimit -f) is checked before the file is created.
void writeTensorFile(const std::string& path, const NamedTensors& tensors,
                     const std::map<std::string, std::string>& attributes) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // failures are reported by the exceptions
  uint64_t upper_bound = 1 << 20;               // the tensors, plus room for HDF5's metadata
  for (const auto& [name, tensor] : tensors) upper_bound += tensor.nbytes() + (4 << 10);
  checkFileSizeLimit(path, upper_bound);
  Hdf5Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
  if (!file.valid())
    throw Error("cannot create " + path + ": " + hdf5Message(),
                "check that the folder is writable");
  try {
    // (1) The datasets and attributes, then the metadata on disk.
    std::vector<std::unique_ptr<Hdf5Handle>> datasets;
    for (const auto& [name, tensor] : tensors)
      datasets.push_back(createDataset(file.get(), name, tensor));
    for (const auto& [name, value] : attributes) writeStringAttribute(file.get(), name, value);
    haddr_t size = 0;
    if (H5Fget_eoa(file.get(), &size) < 0 || H5Fflush(file.get(), H5F_SCOPE_LOCAL) < 0) {
      throw Error("cannot write the file's metadata: " + hdf5Message());
    }
    // (2) Its space.
    UniqueFd fd{::open(path.c_str(), O_WRONLY | O_CLOEXEC)};
    if (fd.fd < 0) throw Error("cannot open it: " + std::string(std::strerror(errno)));
    reserveSpace(fd.fd, size);
    // (3) The data.
    for (size_t i = 0; i < tensors.size(); ++i) {
      writeData(datasets[i]->get(), fd.fd, tensors[i].first, tensors[i].second);
    }
  } catch (const Error& e) {
    throw Error(
        path + ": " + e.detail(),
        e.hint().empty() ? "check the free space and that the folder is writable" : e.hint());
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
  std::error_code error;
  const uint64_t file_bytes = std::filesystem::file_size(path, error);
  if (error) damaged(path, "cannot read its size: " + error.message());
  TensorFile result;
  for (const auto& name : names)
    result.tensors.emplace_back(name, readTensor(file.get(), name, path, file_bytes));
  hsize_t attribute_index = 0;
  H5Aiterate2(file.get(), H5_INDEX_NAME, H5_ITER_INC, &attribute_index, collectAttribute,
              &result.attributes);
  return result;
}

}  // namespace cohort::checkpoint
