#include "cohort/data/hdf5_handle.h"

#include <vector>

namespace cohort::data {

namespace {

// HDF5's file driver describes a failed system call at length ("file write
// failed: time = ..., filename = '...', file descriptor = 23, errno = 28,
// error message = 'No space left on device', buf = 0x..., ..."): keep what
// failed and the system's reason.
std::string shortened(const std::string& desc) {
  const std::string marker = "error message = '";
  const size_t at = desc.find(marker);
  const size_t colon = desc.find(':');
  if (at == std::string::npos || colon == std::string::npos || colon > at) return desc;
  const size_t start = at + marker.size();
  const size_t end = desc.find('\'', start);
  if (end == std::string::npos) return desc;
  return desc.substr(0, colon) + ": " + desc.substr(start, end - start);
}

herr_t collect(unsigned n, const H5E_error2_t* error, void* out) {
  auto* messages = static_cast<std::vector<std::string>*>(out);
  if (n < 8 && error->desc) messages->push_back(shortened(error->desc));
  return 0;
}

}  // namespace

std::string hdf5Message() {
  std::vector<std::string> messages;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, collect, &messages);
  H5Eclear2(H5E_DEFAULT);
  std::string text;
  for (const auto& m : messages) text += (text.empty() ? "" : "; ") + m;
  return text.empty() ? "no detail from HDF5" : text;
}

bool storesEnough(hid_t dataset, uint64_t needed) {
  Hdf5Handle plist(H5Dget_create_plist(dataset), H5Pclose);
  if (!plist.valid()) return false;
  const H5D_layout_t layout = H5Pget_layout(plist.get());
  if (layout == H5D_CHUNKED) return true;
  if (layout != H5D_COMPACT && layout != H5D_CONTIGUOUS) return false;
  return H5Dget_storage_size(dataset) >= needed;
}

}  // namespace cohort::data
