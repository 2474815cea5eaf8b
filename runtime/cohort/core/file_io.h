// Small POSIX file helpers shared by the code that writes files itself (local
// storage, checkpoints, the launcher): a descriptor closed at scope exit, a
// write of every byte, and a copy between files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace cohort {

// Closes a file descriptor when it goes out of scope (a negative one is none).
// Movable, so a descriptor can be handed on (a child process's pipe).
struct UniqueFd {
  UniqueFd() : fd(-1) {}
  explicit UniqueFd(int descriptor) : fd(descriptor) {}
  ~UniqueFd();
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;

  // Closes the descriptor now (if any).
  void reset();
  // Gives the descriptor up without closing it.
  int release();

  int fd;
};

// Writes all `size` bytes of `data` to `fd`, retrying interrupted and short
// writes; false, with errno saying why, when it cannot. Async-signal-safe.
bool writeAll(int fd, const void* data, size_t size);
inline bool writeAll(int fd, const std::string& text) {
  return writeAll(fd, text.data(), text.size());
}

// Copies `size` bytes from the start of `in` to the end of `out` (in the kernel
// with copy_file_range where the file systems allow, else through a buffer),
// telling `progress` (if set) the bytes copied so far after each piece; false,
// with errno saying why, when it cannot (a short `in` is EIO).
bool copyContents(int in, int out, int64_t size,
                  const std::function<void(int64_t)>& progress = nullptr);

// "PID.RANDOM": a suffix for temporary names no other process or thread picks.
std::string uniqueSuffix();

}  // namespace cohort
