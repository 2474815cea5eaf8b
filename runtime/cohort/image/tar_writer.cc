#include "cohort/image/tar_writer.h"

#include <cstring>

#include "cohort/core/error.h"

namespace cohort::image {

namespace {

constexpr size_t kBlock = 512;

// `value` as zero-padded octal in `width` bytes, the last a NUL.
void octal(char* field, size_t width, uint64_t value) {
  for (size_t i = width - 1; i-- > 0;) {
    field[i] = static_cast<char>('0' + (value & 7));
    value >>= 3;
  }
  field[width - 1] = '\0';
}

// A size too large for 11 octal digits, in base-256: the high bit of the
// first byte set, the value big-endian in the rest.
void base256(char* field, size_t width, uint64_t value) {
  for (size_t i = width; i-- > 1;) {
    field[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  field[0] = static_cast<char>(0x80);
}

void copyField(char* field, size_t width, const std::string& text) {
  std::memcpy(field, text.data(), std::min(width, text.size()));
}

// Splits `name` into ustar's prefix (up to 155 bytes) and name (up to 100).
bool splitName(const std::string& name, std::string* prefix, std::string* rest) {
  if (name.size() <= 100) {
    *prefix = "";
    *rest = name;
    return true;
  }
  for (size_t slash = name.find('/'); slash != std::string::npos;
       slash = name.find('/', slash + 1)) {
    if (slash <= 155 && name.size() - slash - 1 <= 100 && slash + 1 < name.size()) {
      *prefix = name.substr(0, slash);
      *rest = name.substr(slash + 1);
      return true;
    }
  }
  return false;
}

}  // namespace

void TarWriter::header(const TarHeader& h) {
  COHORT_CHECK(left_ == 0, Error, "a tar entry began before the last file's bytes were written",
               "");
  COHORT_CHECK(!h.path.empty() && h.path[0] != '/' && h.path.back() != '/', ConfigError,
               "'" + h.path + "' is not a relative path for an image layer",
               "name the file without a leading or trailing '/'");
  const std::string name = h.directory ? h.path + "/" : h.path;
  std::string prefix, rest;
  COHORT_CHECK(splitName(name, &prefix, &rest), ConfigError,
               "the path '" + name.substr(0, 120) + "...' is too long for a tar entry (" +
                   std::to_string(name.size()) + " bytes)",
               "shorten the model's file names (ustar takes 255 bytes, split at a '/')");
  char block[kBlock] = {};
  copyField(block + 0, 100, rest);
  octal(block + 100, 8, h.mode & 07777);
  octal(block + 108, 8, h.uid);
  octal(block + 116, 8, h.gid);
  const uint64_t size = h.directory ? 0 : static_cast<uint64_t>(h.size);
  if (size < (uint64_t{1} << 33)) {
    octal(block + 124, 12, size);
  } else {
    base256(block + 124, 12, size);
  }
  octal(block + 136, 12, static_cast<uint64_t>(h.mtime));
  block[156] = h.directory ? '5' : '0';
  std::memcpy(block + 257, "ustar", 6);  // the magic, NUL-terminated
  std::memcpy(block + 263, "00", 2);
  octal(block + 329, 8, 0);  // devmajor
  octal(block + 337, 8, 0);  // devminor
  copyField(block + 345, 155, prefix);
  // The checksum: the bytes' sum with its own field as spaces, six octal
  // digits, a NUL and a space.
  std::memset(block + 148, ' ', 8);
  uint64_t sum = 0;
  for (unsigned char c : block) sum += c;
  octal(block + 148, 7, sum);
  block[155] = ' ';
  sink_(block, kBlock);
  left_ = static_cast<int64_t>(size);
  written_ = 0;
}

void TarWriter::content(const char* data, size_t size) {
  COHORT_CHECK(static_cast<int64_t>(size) <= left_, DataError,
               "a file grew while it was written into an image layer",
               "build the image again once nothing writes to its files");
  sink_(data, size);
  left_ -= static_cast<int64_t>(size);
  written_ += static_cast<int64_t>(size);
  if (left_ == 0 && written_ % kBlock != 0) {
    static const char zeros[kBlock] = {};
    sink_(zeros, kBlock - written_ % kBlock);
  }
}

void TarWriter::finish() {
  COHORT_CHECK(left_ == 0, DataError, "a file shrank while it was written into an image layer",
               "build the image again once nothing writes to its files");
  static const char zeros[2 * kBlock] = {};
  sink_(zeros, sizeof zeros);
}

}  // namespace cohort::image
