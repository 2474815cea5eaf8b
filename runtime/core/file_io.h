// Small POSIX file helpers shared by the code that writes files itself (local
// storage, checkpoints): a descriptor closed at scope exit, and a write of
// every byte.
#pragma once

#include <cstddef>

namespace cohort {

// Closes a file descriptor when it goes out of scope (a negative one is none).
struct UniqueFd {
  explicit UniqueFd(int descriptor) : fd(descriptor) {}
  ~UniqueFd();
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int fd;
};

// Writes all `size` bytes of `data` to `fd`, retrying interrupted and short
// writes; false, with errno saying why, when it cannot.
bool writeAll(int fd, const void* data, size_t size);

}  // namespace cohort
