#include "cohort/core/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

namespace cohort {

UniqueFd::~UniqueFd() { reset(); }

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    reset();
    fd = other.release();
  }
  return *this;
}

void UniqueFd::reset() {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

int UniqueFd::release() {
  const int descriptor = fd;
  fd = -1;
  return descriptor;
}

int openToWrite(const std::string& path, int flags, unsigned mode) {
  return ::open(path.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, static_cast<mode_t>(mode));
}

std::FILE* fopenToWrite(const std::string& path, bool append) {
  const int fd = openToWrite(path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC));
  if (fd < 0) return nullptr;
  std::FILE* file = ::fdopen(fd, append ? "ab" : "wb");
  if (!file) {
    const int why = errno;
    ::close(fd);
    errno = why;
  }
  return file;
}

std::string openToWriteProblem(const std::string& path, int error) {
  struct stat link {};
  if (error == ELOOP && ::lstat(path.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) {
    std::vector<char> target(4096);
    const ssize_t n = ::readlink(path.c_str(), target.data(), target.size() - 1);
    const std::string to = n > 0 ? std::string(target.data(), static_cast<size_t>(n)) : "?";
    return path + " is a symbolic link (to " + to.substr(0, 200) +
           "), and cohort does not write through links (See Note [Writing through links] in "
           "cohort/core/file_io.h); remove the link";
  }
  return "cannot open " + path + ": " + std::strerror(error);
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

bool copyContents(int in, int out, int64_t size, const std::function<void(int64_t)>& progress) {
  int64_t done = 0;
  off_t from = 0;
  bool kernel = true;  // copy_file_range until the file systems refuse it
  std::vector<char> buffer;
  while (done < size) {
    const size_t want = static_cast<size_t>(std::min<int64_t>(size - done, int64_t{64} << 20));
    if (kernel) {
      const ssize_t n = ::copy_file_range(in, &from, out, nullptr, want, 0);
      if (n > 0) {
        done += n;
        if (progress) progress(done);
        continue;
      }
      if (n == 0) {
        errno = EIO;  // `in` is shorter than `size`
        return false;
      }
      if (errno == EINTR) continue;
      if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP) return false;
      kernel = false;
      buffer.resize(size_t{8} << 20);
    }
    const ssize_t n = ::pread(in, buffer.data(), std::min(want, buffer.size()), from);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    if (!writeAll(out, buffer.data(), static_cast<size_t>(n))) return false;
    from += n;
    done += n;
    if (progress) progress(done);
  }
  return true;
}

std::string uniqueSuffix() {
  static thread_local std::mt19937_64 generator{std::random_device{}()};
  char text[48];
  std::snprintf(text, sizeof text, "%d.%016llx", static_cast<int>(::getpid()),
                static_cast<unsigned long long>(generator()));
  return text;
}

bool writeTemporaryFile(const std::string& path, const std::string& temporary,
                        const std::function<bool(int fd)>& fill, bool durable,
                        std::string* problem) {
  UniqueFd file{::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)};
  if (file.fd < 0) {
    *problem = "cannot write " + path + ": " + std::strerror(errno);
    return false;
  }
  // A full disk fails the write or, on some file systems, only the flush or the close.
  bool ok = fill(file.fd) && (!durable || ::fsync(file.fd) == 0);
  int why = errno;
  if (::close(file.release()) != 0 && ok) {
    ok = false;
    why = errno;
  }
  if (!ok) {
    ::unlink(temporary.c_str());
    *problem = "cannot write " + path + ": " + std::strerror(why);
  }
  return ok;
}

void syncParentFolder(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string folder = slash == std::string::npos ? "."
                             : slash == 0               ? "/"
                                                        : path.substr(0, slash);
  UniqueFd dir{::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (dir.fd >= 0) ::fsync(dir.fd);
}

bool writeFileAtomically(const std::string& path, const std::function<bool(int fd)>& fill,
                         std::string* problem, const AtomicWrite& how) {
  const std::string temporary =
      how.temporary.empty() ? path + ".tmp." + uniqueSuffix() : how.temporary;
  if (!writeTemporaryFile(path, temporary, fill, how.durable, problem)) return false;
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int why = errno;
    ::unlink(temporary.c_str());
    *problem = "cannot rename " + temporary + " to " + path + ": " + std::strerror(why);
    return false;
  }
  if (how.durable) syncParentFolder(path);
  return true;
}

bool writeFileAtomically(const std::string& path, const std::string& bytes, std::string* problem,
                         const AtomicWrite& how) {
  return writeFileAtomically(
      path, [&bytes](int fd) { return writeAll(fd, bytes); }, problem, how);
}

}  // namespace cohort
