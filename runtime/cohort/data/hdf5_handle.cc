#include "cohort/data/hdf5_handle.h"

#include <vector>

namespace cohort::data {

namespace {

herr_t collect(unsigned n, const H5E_error2_t* error, void* out) {
  auto* messages = static_cast<std::vector<std::string>*>(out);
  if (n < 8 && error->desc) messages->push_back(error->desc);
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

}  // namespace cohort::data
