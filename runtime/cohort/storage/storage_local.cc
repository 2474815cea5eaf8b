#include "cohort/storage/storage_local.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "cohort/core/error.h"
#include "cohort/core/file_io.h"
#include "cohort/storage/object_name.h"

namespace cohort::storage {

namespace fs = std::filesystem;

namespace {

std::string errnoText() { return std::strerror(errno); }

// Reads `length` bytes at `offset` of the open file `fd` (named `path`).
void readFully(int fd, const std::string& path, int64_t offset, int64_t length, char* out) {
  int64_t done = 0;
  while (done < length) {
    const ssize_t n = ::pread(fd, out + done, static_cast<size_t>(length - done), offset + done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw DataError("cannot read " + path + ": " + errnoText(),
                      "check the disk or the NFS mount");
    if (n == 0) {
      throw DataError(path + " ends at byte " + std::to_string(offset + done) + ", before the " +
                          std::to_string(offset + length) + " bytes asked for",
                      "the file was truncated or replaced while it was read; restore it from a "
                      "good copy");
    }
    done += n;
  }
}

// Opens the object file `path` to read it, without following a link, and
// stats it; ObjectMissingError when it is not there.
UniqueFd openObject(const std::string& path, struct stat* st) {
  UniqueFd file{::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC)};
  if (file.fd >= 0 && ::fstat(file.fd, st) == 0) return file;
  const int why = errno;
  const std::string what = "cannot open " + path + ": " + std::strerror(why);
  if (why == ENOENT || why == ENOTDIR)
    throw ObjectMissingError(what, "check the location and the object's name");
  throw DataError(what, "check that this user may read it, and the disk or the NFS mount");
}

}  // namespace

LocalStorage::LocalStorage(std::string folder) : folder_(std::move(folder)) {}

std::string LocalStorage::urlOf(const std::string& name) const {
  checkObjectName(name, "an object of " + folder_);
  return (fs::path(folder_) / name).string();
}

std::string LocalStorage::pathOf(const std::string& name, bool final_link_ok) const {
  const std::string path = urlOf(name);
  std::string below = folder_;
  for (size_t start = 0;;) {
    const size_t slash = name.find('/', start);
    below += "/" + name.substr(start, slash == std::string::npos ? slash : slash - start);
    struct stat st;
    if (::lstat(below.c_str(), &st) != 0) break;  // not there (yet)
    const bool last = slash == std::string::npos;
    if (S_ISLNK(st.st_mode) && !(last && final_link_ok)) {
      throw DataError(below +
                          " is a symbolic link, and links inside a storage location are not "
                          "followed",
                      "replace the link with what it points at, or remove it");
    }
    if (last) break;
    start = slash + 1;
  }
  return path;
}

std::vector<ObjectInfo> LocalStorage::list() {
  std::error_code error;
  std::vector<ObjectInfo> objects;
  if (!fs::exists(folder_, error)) return objects;  // nothing there yet
  for (fs::directory_iterator it(folder_, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.find(".partial.") != std::string::npos)
      continue;  // a write in progress (temporaryFor)
    std::error_code gone;
    const auto bytes = it->file_size(gone);
    if (!gone && it->is_regular_file(gone)) objects.push_back({name, static_cast<int64_t>(bytes)});
  }
  if (error) {
    throw DataError("cannot list the folder " + folder_ + ": " + error.message(),
                    "check that the folder exists and this user may read it");
  }
  std::sort(objects.begin(), objects.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.name < b.name; });
  return objects;
}

bool LocalStorage::exists(const std::string& name) {
  std::error_code error;
  return fs::is_regular_file(pathOf(name), error);
}

int64_t LocalStorage::size(const std::string& name) {
  const std::string path = pathOf(name);
  std::error_code error;
  const auto bytes = fs::file_size(path, error);
  if (error == std::errc::no_such_file_or_directory || error == std::errc::not_a_directory) {
    throw ObjectMissingError("cannot read " + path + ": " + error.message(),
                             "check the location and the object's name");
  }
  if (error) {
    throw DataError("cannot read " + path + ": " + error.message(),
                    "check that this user may read it, and the disk or the NFS mount");
  }
  return static_cast<int64_t>(bytes);
}

void LocalStorage::requestRange(const std::string& name, int64_t offset, int64_t length,
                                const std::function<bool(const char*, size_t)>& receive) {
  const std::string path = pathOf(name);
  struct stat st;
  UniqueFd file = openObject(path, &st);
  // What the file holds of the range, in pieces of at most 1 MiB.
  const int64_t end = std::min<int64_t>(offset + length, st.st_size);
  std::vector<char> piece(
      static_cast<size_t>(std::min<int64_t>(std::max<int64_t>(end - offset, 0), 1 << 20)));
  for (int64_t at = offset; at < end;) {
    const int64_t n = std::min<int64_t>(static_cast<int64_t>(piece.size()), end - at);
    readFully(file.fd, path, at, n, piece.data());
    if (!receive(piece.data(), static_cast<size_t>(n))) return;
    at += n;
  }
}

std::shared_ptr<Buffer> LocalStorage::fetch(const std::string& name, int64_t expected_size,
                                            Checksum* checksum) {
  constexpr int64_t kBlock = 1 << 20;  // hashed right after it is read, while in the CPU cache
  const std::string path = pathOf(name);
  struct stat st;
  UniqueFd file = openObject(path, &st);
  if (st.st_size != expected_size) throw ObjectSizeError(path, st.st_size, expected_size);
  // The whole file is wanted: the kernel may read it all ahead at once.
  ::posix_fadvise(file.fd, 0, expected_size, POSIX_FADV_SEQUENTIAL);
  ::posix_fadvise(file.fd, 0, expected_size, POSIX_FADV_WILLNEED);
  auto buffer = std::make_shared<Buffer>(static_cast<size_t>(expected_size));
  for (int64_t done = 0; done < expected_size;) {
    const int64_t block = std::min(kBlock, expected_size - done);
    readFully(file.fd, path, done, block, buffer->data() + done);
    if (checksum) checksum->update(buffer->data() + done, static_cast<size_t>(block));
    done += block;
  }
  return buffer;
}

void LocalStorage::makeParent(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  std::error_code error;
  fs::create_directories(parent, error);
  if (error) {
    throw DataError("cannot create the folder " + parent.string() + ": " + error.message(),
                    "choose a location this user can write");
  }
}

namespace {

constexpr const char* kWriteAdvice =
    "free some space, check the disk or the NFS mount, or choose another location";

// Beside `path`, unique among the processes and threads writing the same name;
// list() skips it (a write in progress).
std::string temporaryFor(const std::string& path) { return path + ".partial." + uniqueSuffix(); }

}  // namespace

void LocalStorage::writeAtomically(const std::string& path,
                                   const std::function<bool(int fd)>& fill) {
  makeParent(path);
  std::string problem;
  if (!writeFileAtomically(path, fill, &problem, {true, temporaryFor(path)})) {
    throw DataError(problem, kWriteAdvice);
  }
}

void LocalStorage::write(const std::string& name, const std::string& bytes) {
  const std::string path = pathOf(name, true);  // a link there is replaced, not followed
  writeAtomically(path, [&bytes](int fd) { return writeAll(fd, bytes); });
}

void LocalStorage::createLocation() {
  std::error_code error;
  fs::create_directories(folder_, error);
  if (error) {
    throw DataError("cannot create the folder " + folder_ + ": " + error.message(),
                    "choose a location this user can write");
  }
}

bool LocalStorage::createExclusive(const std::string& name, const std::string& bytes) {
  const std::string path = pathOf(name, true);  // link(2) fails on a link there
  makeParent(path);
  const std::string temp = temporaryFor(path);
  std::string problem;
  if (!writeTemporaryFile(
          path, temp, [&bytes](int fd) { return writeAll(fd, bytes); }, true, &problem)) {
    throw DataError(problem, kWriteAdvice);
  }
  // See Note [Exclusive create]: link(2) is atomic, on NFS too.
  bool created = ::link(temp.c_str(), path.c_str()) == 0;
  const int link_errno = errno;
  if (!created && link_errno != EEXIST) {
    struct stat st;
    created = ::stat(temp.c_str(), &st) == 0 && st.st_nlink == 2;  // NFS: linked, reply lost
    if (!created) {
      ::unlink(temp.c_str());
      throw DataError(
          "cannot create " + path + ": " + std::strerror(link_errno),
          "check the folder's permissions, and that its file system supports hard links");
    }
  }
  ::unlink(temp.c_str());
  if (created) syncParentFolder(path);
  return created;
}

void LocalStorage::remove(const std::string& name) {
  const std::string path = pathOf(name, true);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT && errno != ENOTDIR) {  // not there
    throw DataError("cannot remove " + path + ": " + errnoText(), "check the folder's permissions");
  }
}

void LocalStorage::putFile(const std::string& name, const std::string& path,
                           const PutFileOptions&) {
  UniqueFd source{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  struct stat st;
  if (source.fd < 0 || ::fstat(source.fd, &st) != 0) {
    throw DataError("cannot open " + path + ": " + errnoText(),
                    "check that it exists and is readable");
  }
  const std::string target = pathOf(name, true);
  writeAtomically(target, [&](int fd) { return copyContents(source.fd, fd, st.st_size); });
}

void LocalStorage::getFile(const std::string& name, const std::string& path, int64_t expected_size,
                           Checksum* checksum) {
  const std::string source_path = pathOf(name);
  struct stat st;
  UniqueFd source = openObject(source_path, &st);
  if (st.st_size != expected_size) throw ObjectSizeError(source_path, st.st_size, expected_size);
  UniqueFd out{openToWrite(path, O_WRONLY | O_CREAT | O_TRUNC)};
  if (out.fd < 0) throw DataError(openToWriteProblem(path, errno), "choose a writable folder");
  // The copy runs in the kernel on a thread of its own while this one hashes
  // what has been copied so far, read back from the copy (the page cache): the
  // checksum is of the bytes written, and the two overlap. The hasher reads
  // the copy through a mapping, not through a buffer: a second memory copy of
  // every byte doubled the CPU a download needs beside cp, which shows when
  // the machine has no idle core (bench/README.md, Model registry).
  const bool mapped = checksum && expected_size > 0;
  UniqueFd copy{mapped ? ::open(path.c_str(), O_RDONLY | O_CLOEXEC) : -1};
  void* map = mapped && copy.fd >= 0 ? ::mmap(nullptr, static_cast<size_t>(expected_size),
                                              PROT_READ, MAP_SHARED, copy.fd, 0)
                                     : MAP_FAILED;
  if (mapped && map == MAP_FAILED)
    throw DataError("cannot map " + path + " to hash it: " + errnoText(),
                    "the process may be out of address space or memory");
  struct Unmap {
    void* map;
    size_t size;
    ~Unmap() {
      if (map != MAP_FAILED) ::munmap(map, size);
    }
  } unmap{map, static_cast<size_t>(expected_size)};
  if (mapped) ::madvise(map, static_cast<size_t>(expected_size), MADV_SEQUENTIAL);
  std::mutex mutex;
  std::condition_variable moved;
  int64_t copied = 0;
  bool finished = false, ok = true;
  int copy_errno = 0;
  std::thread copier([&] {
    const bool result = copyContents(source.fd, out.fd, expected_size, [&](int64_t done) {
      std::lock_guard<std::mutex> lock(mutex);
      copied = done;
      moved.notify_one();
    });
    std::lock_guard<std::mutex> lock(mutex);
    ok = result;
    copy_errno = errno;
    finished = true;
    moved.notify_one();
  });
  int64_t hashed = 0;
  try {
    while (checksum) {
      int64_t ready;
      {
        std::unique_lock<std::mutex> lock(mutex);
        moved.wait(lock, [&] { return finished || copied > hashed; });
        ready = copied;
        if (finished && (!ok || hashed == copied)) break;
      }
      if (ready > hashed) {  // only pages the copy has written: none past its end
        checksum->update(static_cast<const char*>(map) + hashed,
                         static_cast<size_t>(ready - hashed));
        hashed = ready;
      }
    }
  } catch (...) {
    copier.join();
    throw;
  }
  copier.join();
  if (!ok) {
    errno = copy_errno;
    throw DataError("cannot copy " + source_path + " to " + path + ": " + errnoText(),
                    "free some space, or choose another folder");
  }
}

}  // namespace cohort::storage
