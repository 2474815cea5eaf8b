#include "cohort/core/file_io.h"

#include <unistd.h>

#include <cerrno>

namespace cohort {

UniqueFd::~UniqueFd() {
  if (fd >= 0) ::close(fd);
}

bool writeAll(int fd, const void* data, size_t size) {
  const char* bytes = static_cast<const char*>(data);
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, bytes + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;  // no progress: do not spin
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace cohort
