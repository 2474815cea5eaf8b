#include "cohort/data/shard_file.h"

#include <hdf5.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>

#include "cohort/core/error.h"
#include "cohort/core/shape_text.h"
#include "cohort/data/hdf5_handle.h"

namespace cohort::data {

namespace {

const char* kShardAdvice =
    "the shard is damaged or does not match index.json: repack the data set with cohort-pack";

// A name for an in-memory file, unique among the files open at once (HDF5
// takes two open files with the same name for one).
std::string imageName(const void* buffer) {
  char name[48];
  std::snprintf(name, sizeof name, "cohort-image-%p.h5", buffer);
  return name;
}

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw DataError(where + ": " + what, kShardAdvice);
}

// The HDF5 memory type of a dtype.
hid_t nativeType(DType dtype) {
  switch (dtype) {
    case DType::kUInt8:
      return H5T_NATIVE_UINT8;
    case DType::kInt8:
      return H5T_NATIVE_INT8;
    case DType::kInt16:
      return H5T_NATIVE_INT16;
    case DType::kInt32:
      return H5T_NATIVE_INT32;
    case DType::kInt64:
      return H5T_NATIVE_INT64;
    case DType::kFloat32:
      return H5T_NATIVE_FLOAT;
    case DType::kFloat64:
      return H5T_NATIVE_DOUBLE;
  }
  return H5T_NATIVE_UINT8;
}

// The dtype a stored HDF5 type describes, or an empty string for one cohort does not read.
std::string describeFileType(hid_t type) {
  const H5T_class_t kind = H5Tget_class(type);
  const size_t size = H5Tget_size(type);
  if (kind == H5T_INTEGER) {
    const bool is_signed = H5Tget_sign(type) == H5T_SGN_2;
    return (is_signed ? "int" : "uint") + std::to_string(size * 8);
  }
  if (kind == H5T_FLOAT) return "float" + std::to_string(size * 8);
  return "a non-numeric type";
}

// HDF5 file image callbacks that hand HDF5 the caller's buffer itself: the
// core driver then reads the shard in place, with no copy. The file is opened
// read-only, so HDF5 never writes to the buffer, grows it or frees it.
struct ImageRef {
  const storage::Buffer* image;
};
void* imageMalloc(size_t size, H5FD_file_image_op_t, void* udata) {
  const storage::Buffer* image = static_cast<ImageRef*>(udata)->image;
  return size == image->size() ? const_cast<char*>(image->data()) : nullptr;
}
void* imageMemcpy(void* dest, const void* src, size_t size, H5FD_file_image_op_t, void*) {
  if (dest != src) std::memcpy(dest, src, size);
  return dest;
}
void* imageRealloc(void*, size_t, H5FD_file_image_op_t, void*) { return nullptr; }
herr_t imageFree(void*, H5FD_file_image_op_t, void*) { return 0; }
void* udataCopy(void* udata) { return udata; }
herr_t udataFree(void*) { return 0; }

// Where the rows of `dataset` lie in the file image, if they can be read in
// place: an unfiltered dataset, contiguous or in chunks of whole rows, all
// stored inside the image. False means: copy them out with H5Dread.
bool rowsInPlace(hid_t dataset, const storage::Buffer& image, int64_t samples,
                 ShardColumns::Rows* rows) {
  Hdf5Handle dcpl(H5Dget_create_plist(dataset), H5Pclose);
  if (!dcpl.valid() || H5Pget_nfilters(dcpl.get()) != 0) return false;
  const auto inside = [&](haddr_t address, hsize_t size) {
    return address != HADDR_UNDEF && address <= image.size() && size <= image.size() - address;
  };
  const H5D_layout_t layout = H5Pget_layout(dcpl.get());
  if (layout == H5D_CONTIGUOUS) {
    const haddr_t address = H5Dget_offset(dataset);
    if (!inside(address, static_cast<hsize_t>(samples * rows->row_bytes))) return false;
    rows->rows_per_chunk = samples;
    rows->chunks = {image.data() + address};
    return true;
  }
  if (layout != H5D_CHUNKED) return false;
  Hdf5Handle space(H5Dget_space(dataset), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(static_cast<size_t>(rank)), chunk(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  if (H5Pget_chunk(dcpl.get(), rank, chunk.data()) != rank || chunk[0] == 0) return false;
  for (int d = 1; d < rank; ++d) {
    if (chunk[d] != dims[d]) return false;  // a chunk must hold whole rows
  }
  const hsize_t per_chunk = chunk[0];
  const hsize_t expected = (static_cast<hsize_t>(samples) + per_chunk - 1) / per_chunk;
  hsize_t count = 0;
  if (H5Dget_num_chunks(dataset, space.get(), &count) < 0 || count != expected) return false;
  rows->rows_per_chunk = static_cast<int64_t>(per_chunk);
  rows->chunks.assign(count, nullptr);
  for (hsize_t i = 0; i < count; ++i) {
    std::vector<hsize_t> offset(static_cast<size_t>(rank));
    unsigned mask = 0;
    haddr_t address = HADDR_UNDEF;
    hsize_t size = 0;
    if (H5Dget_chunk_info(dataset, space.get(), i, offset.data(), &mask, &address, &size) < 0)
      return false;
    const hsize_t index = offset[0] / per_chunk;
    if (mask != 0 || offset[0] % per_chunk != 0 || index >= count ||
        size != per_chunk * static_cast<hsize_t>(rows->row_bytes) || !inside(address, size)) {
      return false;
    }
    rows->chunks[index] = image.data() + address;
  }
  for (const char* c : rows->chunks) {
    if (!c) return false;
  }
  return true;
}

void readColumn(hid_t file, const storage::Buffer& image, const Column& column, int64_t samples,
                const std::string& where, ShardColumns::Rows* rows) {
  if (H5Lexists(file, column.name.c_str(), H5P_DEFAULT) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    fail(where, "no dataset '" + column.name + "' (index.json lists that column)");
  }
  Hdf5Handle dataset(H5Dopen2(file, column.name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dataset.valid())
    fail(where, "cannot open the dataset '" + column.name + "': " + hdf5Message());
  Hdf5Handle type(H5Dget_type(dataset.get()), H5Tclose);
  const std::string stored = type.valid() ? describeFileType(type.get()) : "an unreadable type";
  if (stored != dtypeName(column.dtype)) {
    fail(where, "the dataset '" + column.name + "' holds " + stored + " but index.json says " +
                    dtypeName(column.dtype));
  }
  Hdf5Handle space(H5Dget_space(dataset.get()), H5Sclose);
  const int rank = space.valid() ? H5Sget_simple_extent_ndims(space.get()) : -1;
  if (rank < 1 || rank > 9) fail(where, "the dataset '" + column.name + "' has an unusable shape");
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  std::vector<int64_t> found(dims.begin(), dims.end());
  std::vector<int64_t> expected = {samples};
  expected.insert(expected.end(), column.shape.begin(), column.shape.end());
  if (found != expected) {
    fail(where, "the dataset '" + column.name + "' has shape " + shapeText(found) +
                    " but index.json says " + shapeText(expected) +
                    " (samples, then the column's shape)");
  }
  rows->row_bytes = column.sampleBytes();
  if (rows->row_bytes > 0 && samples > std::numeric_limits<int64_t>::max() / rows->row_bytes) {
    fail(where, "the dataset '" + column.name + "' is larger than any file");
  }
  if (!storesEnough(dataset.get(), static_cast<uint64_t>(samples * rows->row_bytes))) {
    fail(where, "the dataset '" + column.name + "' stores fewer bytes than its shape needs (" +
                    std::to_string(samples * rows->row_bytes) + ")");
  }
  // In-place rows must be little-endian like the native type, which the dtype check leaves open.
  Hdf5Handle native(H5Tget_native_type(type.get(), H5T_DIR_ASCEND), H5Tclose);
  const bool same_order = native.valid() && H5Tget_order(type.get()) == H5Tget_order(native.get());
  if (same_order && rowsInPlace(dataset.get(), image, samples, rows)) return;
  H5Eclear2(H5E_DEFAULT);
  rows->chunks.clear();
  rows->rows_per_chunk = 1;
  rows->copy.assign(static_cast<size_t>(samples * rows->row_bytes), '\0');
  if (H5Dread(dataset.get(), nativeType(column.dtype), H5S_ALL, H5S_ALL, H5P_DEFAULT,
              rows->copy.data()) < 0) {
    fail(where, "cannot read the dataset '" + column.name + "': " + hdf5Message());
  }
}

}  // namespace

ShardColumns readShard(std::shared_ptr<const storage::Buffer> image, const Manifest& manifest,
                       const ShardEntry& entry, const std::string& where) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors come back as exceptions, not prints
  // The core (in-memory) driver on the file image, through callbacks that let
  // HDF5 use the buffer itself (no copy, never a disk).
  ImageRef ref{image.get()};
  H5FD_file_image_callbacks_t callbacks = {imageMalloc, imageMemcpy, imageRealloc, imageFree,
                                           udataCopy,   udataFree,   &ref};
  Hdf5Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (!fapl.valid() || H5Pset_fapl_core(fapl.get(), 1 << 16, 0) < 0 ||
      H5Pset_file_image_callbacks(fapl.get(), &callbacks) < 0 ||
      H5Pset_file_image(fapl.get(), const_cast<char*>(image->data()), image->size()) < 0) {
    fail(where, "HDF5 cannot take the file image: " + hdf5Message());
  }
  ShardColumns shard;
  {
    Hdf5Handle file(H5Fopen(imageName(image->data()).c_str(), H5F_ACC_RDONLY, fapl.get()),
                    H5Fclose);
    if (!file.valid()) fail(where, "not a readable HDF5 file: " + hdf5Message());
    shard.samples = entry.samples;
    shard.columns.resize(manifest.columns.size());
    for (size_t c = 0; c < manifest.columns.size(); ++c) {
      readColumn(file.get(), *image, manifest.columns[c], entry.samples, where, &shard.columns[c]);
    }
  }
  shard.image = std::move(image);
  return shard;
}

std::string writeShard(const std::vector<Column>& columns, int64_t samples,
                       const std::vector<const char*>& data) {
  constexpr int64_t kChunkBytes = 1 << 20;  // about 1 MiB per chunk
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  auto check = [](bool ok, const std::string& what) {
    if (!ok)
      throw DataError("writing a shard: " + what + ": " + hdf5Message(),
                      "this is a bug in cohort-pack");
  };
  Hdf5Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  check(H5Pset_fapl_core(fapl.get(), 4 << 20, 0) >= 0, "the in-memory driver");
  Hdf5Handle file(H5Fcreate(imageName(&fapl).c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()),
                  H5Fclose);
  check(file.valid(), "creating the file");
  for (size_t c = 0; c < columns.size(); ++c) {
    const Column& column = columns[c];
    std::vector<hsize_t> dims = {static_cast<hsize_t>(samples)};
    for (int64_t d : column.shape) dims.push_back(static_cast<hsize_t>(d));
    std::vector<hsize_t> chunk = dims;
    chunk[0] = static_cast<hsize_t>(
        std::clamp<int64_t>(kChunkBytes / std::max<int64_t>(1, column.sampleBytes()), 1, samples));
    Hdf5Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                     H5Sclose);
    Hdf5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    check(space.valid() && dcpl.valid() &&
              H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()) >= 0,
          "the layout of '" + column.name + "'");
    // Stored little-endian, as numpy's '<' dtypes.
    hid_t file_type = nativeType(column.dtype);
    Hdf5Handle dataset(H5Dcreate2(file.get(), column.name.c_str(), file_type, space.get(),
                                  H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                       H5Dclose);
    check(dataset.valid(), "creating '" + column.name + "'");
    check(H5Dwrite(dataset.get(), file_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data[c]) >= 0,
          "writing '" + column.name + "'");
  }
  check(H5Fflush(file.get(), H5F_SCOPE_GLOBAL) >= 0, "flushing");
  const ssize_t size = H5Fget_file_image(file.get(), nullptr, 0);
  check(size > 0, "sizing the file image");
  std::string image(static_cast<size_t>(size), '\0');
  check(H5Fget_file_image(file.get(), image.data(), image.size()) == size,
        "copying the file image");
  return image;
}

}  // namespace cohort::data
