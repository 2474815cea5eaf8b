#include "pack/npy_file.h"

#include <cctype>
#include <limits>

#include "cohort/core/error.h"

namespace cohort_pack {

namespace {

const char* kHint =
    "save the array with numpy.save (C order, little-endian uint8, int8, int16, int32, "
    "int64, float32 or float64) and pass it again";

[[noreturn]] void bad(const std::string& path, const std::string& what) {
  throw cohort::DataError(path + ": " + what, kHint);
}

// The text after `key` and its ':' in the dict literal, or npos.
size_t valueAfter(const std::string& dict, const std::string& key) {
  for (const char quote : {'\'', '"'}) {
    const std::string quoted = std::string(1, quote) + key + quote;
    size_t at = dict.find(quoted);
    if (at == std::string::npos) continue;
    at = dict.find_first_not_of(" ", at + quoted.size());
    if (at == std::string::npos || dict[at] != ':') return std::string::npos;
    return dict.find_first_not_of(" ", at + 1);
  }
  return std::string::npos;
}

}  // namespace

NpyHeader parseNpyHeader(const std::string& bytes, const std::string& path) {
  // Step 1: magic, version, header length.
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
    bad(path, "not a .npy file (no \\x93NUMPY magic)");
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_length = 0, header_start = 0;
  if (major == 1) {
    header_length =
        static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) bad(path, "ends inside its header");
    for (int i = 3; i >= 0; --i)
      header_length = (header_length << 8) | static_cast<unsigned char>(bytes[8 + i]);
    header_start = 12;
  } else {
    bad(path, ".npy format version " + std::to_string(major) + " is not supported (1, 2 or 3)");
  }
  if (header_length > (1u << 20) || header_start + header_length > bytes.size())
    bad(path, "ends inside its header");
  const std::string dict = bytes.substr(header_start, header_length);

  // Step 2: the dict's three keys.
  NpyHeader h;
  h.data_offset = static_cast<int64_t>(header_start + header_length);
  size_t at = valueAfter(dict, "descr");
  if (at == std::string::npos || (dict[at] != '\'' && dict[at] != '"'))
    bad(path, "the header has no 'descr' string");
  const size_t end = dict.find(dict[at], at + 1);
  if (end == std::string::npos) bad(path, "the header's 'descr' is not closed");
  const std::string descr = dict.substr(at + 1, end - at - 1);
  if (!cohort::data::dtypeFromNumpy(descr, &h.dtype)) {
    bad(path, "the dtype '" + descr.substr(0, 20) +
                  "' is not one a data set holds (big-endian or structured?)");
  }
  at = valueAfter(dict, "fortran_order");
  if (at == std::string::npos) bad(path, "the header has no 'fortran_order'");
  if (dict.compare(at, 4, "True") == 0)
    bad(path, "the array is in Fortran order; save it with numpy.ascontiguousarray");
  if (dict.compare(at, 5, "False") != 0)
    bad(path, "the header's 'fortran_order' is neither True nor False");
  at = valueAfter(dict, "shape");
  if (at == std::string::npos || dict[at] != '(') bad(path, "the header has no 'shape' tuple");
  const size_t close = dict.find(')', at);
  if (close == std::string::npos) bad(path, "the header's 'shape' is not closed");
  int64_t elements = 1;
  for (size_t i = at + 1; i < close;) {
    if (dict[i] == ' ' || dict[i] == ',') {
      ++i;
      continue;
    }
    if (!std::isdigit(static_cast<unsigned char>(dict[i])))
      bad(path, "the header's 'shape' holds something not a size");
    int64_t size = 0;
    for (; i < close && std::isdigit(static_cast<unsigned char>(dict[i])); ++i) {
      if (size > (int64_t{1} << 40)) bad(path, "the header's 'shape' has a size that is too large");
      size = size * 10 + (dict[i] - '0');
    }
    if (size == 0) bad(path, "the array has a zero-sized dimension");
    if (elements > std::numeric_limits<int64_t>::max() / 16 / size)
      bad(path, "the array is too large");
    elements *= size;
    h.shape.push_back(size);
  }
  if (h.shape.empty()) bad(path, "the array is a scalar; it needs one row per sample");
  if (h.shape.size() > 9) bad(path, "the array has more than 9 dimensions");
  h.data_bytes = elements * cohort::data::dtypeSize(h.dtype);
  return h;
}

}  // namespace cohort_pack
