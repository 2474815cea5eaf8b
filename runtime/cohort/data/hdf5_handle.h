// Small helpers for HDF5's C API, shared by the shard reader and the
// checkpoint files: an identifier closed at scope exit, and HDF5's own account
// of the last failure.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>

namespace cohort::data {

// Closes an HDF5 identifier when it goes out of scope.
class Hdf5Handle {
 public:
  Hdf5Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Hdf5Handle() {
    if (id_ >= 0) close_(id_);
  }
  Hdf5Handle(const Hdf5Handle&) = delete;
  Hdf5Handle& operator=(const Hdf5Handle&) = delete;
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

// HDF5's messages for the last failure on this thread (deepest cause first),
// and clears them.
std::string hdf5Message();

// Whether `dataset` stores the `needed` bytes its shape and type call for.
// HDF5 1.10 reads a compact or contiguous dataset for as many bytes as its
// shape needs, whatever the file holds, so a damaged layout makes it read past
// its own buffers (found by fuzz_shard): the stored size is checked first.
// Chunked datasets (which may be compressed) are checked by HDF5 chunk by chunk.
bool storesEnough(hid_t dataset, uint64_t needed);

}  // namespace cohort::data
