#include "pack/idx_file.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>

#include "cohort/core/error.h"

namespace cohort_pack {

namespace {

constexpr uint8_t kUnsignedByteType = 0x08;

// A gzip stream opened for reading; zlib reads uncompressed files as they are.
class GzReader {
 public:
  GzReader(const std::string& path, const std::string& what_to_do)
      : path_(path), what_to_do_(what_to_do) {
    errno = 0;
    file_ = gzopen(path.c_str(), "rb");
    if (file_ == nullptr) {
      const std::string reason = errno != 0 ? std::strerror(errno) : "out of memory";
      throw cohort::DataError("cannot open " + path + ": " + reason, what_to_do);
    }
  }
  ~GzReader() { gzclose(file_); }
  GzReader(const GzReader&) = delete;
  GzReader& operator=(const GzReader&) = delete;

  // Reads up to `size` bytes; returns how many it read (fewer only at the end of the file).
  int64_t read(uint8_t* out, int64_t size) {
    int64_t done = 0;
    while (done < size) {
      // gzread takes an unsigned int count, so large reads go in pieces.
      const int64_t piece = std::min<int64_t>(size - done, 1 << 30);
      const int got = gzread(file_, out + done, static_cast<unsigned>(piece));
      if (got < 0) fail("cannot be decompressed");
      if (got == 0) break;
      done += got;
    }
    // A gzip stream cut short reads as a short file with an error set.
    int code = Z_OK;
    gzerror(file_, &code);
    if (code != Z_OK && code != Z_STREAM_END) fail("is cut short or damaged");
    return done;
  }

 private:
  [[noreturn]] void fail(const std::string& problem) {
    int code = Z_OK;
    const char* message = gzerror(file_, &code);
    throw cohort::DataError(path_ + " " + problem + " (zlib: " + message + ")", what_to_do_);
  }

  std::string path_;
  std::string what_to_do_;
  gzFile file_ = nullptr;
};

uint32_t bigEndian32(const uint8_t* bytes) {
  return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) |
         uint32_t{bytes[3]};
}

std::string shape(const std::vector<int64_t>& dims) {
  std::string text;
  for (size_t i = 0; i < dims.size(); ++i) text += (i ? " x " : "") + std::to_string(dims[i]);
  return text;
}

}  // namespace

IdxFile IdxFile::read(const std::string& path, int expected_dims, const std::string& what_to_do) {
  GzReader in(path, what_to_do);
  auto malformed = [&](const std::string& problem) -> cohort::DataError {
    return cohort::DataError(path + " " + problem, what_to_do);
  };

  // Step 1: the magic number says the value type and the number of dimensions.
  uint8_t magic[4];
  if (in.read(magic, 4) != 4)
    throw malformed("is too short to be an idx file (no 4-byte magic number)");
  if (magic[0] != 0 || magic[1] != 0)
    throw malformed("is not an idx file (magic number does not start with two zero bytes)");
  if (magic[2] != kUnsignedByteType) {
    char type[8];
    std::snprintf(type, sizeof type, "0x%02x", magic[2]);
    throw malformed("holds values of idx type " + std::string(type) +
                    "; only unsigned bytes (type 0x08) are supported");
  }
  if (magic[3] == 0) throw malformed("declares zero dimensions");
  if (expected_dims > 0 && magic[3] != expected_dims) {
    throw malformed("has " + std::to_string(magic[3]) + " dimensions where " +
                    std::to_string(expected_dims) + " were expected");
  }

  // Step 2: the dimensions, each a big-endian count; their product is the value count.
  IdxFile file;
  file.path_ = path;
  int64_t total = 1;
  for (int d = 0; d < magic[3]; ++d) {
    uint8_t bytes[4];
    if (in.read(bytes, 4) != 4)
      throw malformed("ends inside its header (dimension " + std::to_string(d) + ")");
    const int64_t size = bigEndian32(bytes);
    if (size == 0) throw malformed("has a zero-sized dimension " + std::to_string(d));
    if (total > std::numeric_limits<int32_t>::max() / size)
      throw malformed("declares more than 2^31 values");
    total *= size;
    file.dims_.push_back(size);
  }

  // Step 3: exactly `total` values, and nothing after them.
  file.values_.resize(static_cast<size_t>(total));
  const int64_t got = in.read(file.values_.data(), total);
  if (got != total) {
    throw malformed("is truncated: its header promises " + shape(file.dims_) +
                    " values but the file holds only " + std::to_string(got));
  }
  uint8_t extra;
  if (in.read(&extra, 1) != 0) {
    throw malformed("is longer than the " + shape(file.dims_) + " values its header promises");
  }
  return file;
}

}  // namespace cohort_pack
