#include "cohort/data/storage_local.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "cohort/core/error.h"
#include "cohort/core/file_io.h"
#include "cohort/data/object_name.h"

namespace cohort::data {

namespace fs = std::filesystem;

namespace {

std::string errnoText() { return std::strerror(errno); }

// Reads `length` bytes at `offset` of the open file `fd` (named `path`).
void readFully(int fd, const std::string& path, int64_t offset, int64_t length, char* out) {
  int64_t done = 0;
  while (done < length) {
    const ssize_t n = ::pread(fd, out + done, static_cast<size_t>(length - done), offset + done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw DataError("cannot read " + path + ": " + errnoText(), "check the disk or the NFS mount");
    if (n == 0) {
      throw DataError(path + " ends at byte " + std::to_string(offset + done) + ", before the " +
                          std::to_string(offset + length) + " bytes asked for",
                      "the file was truncated: repack the data set with cohort-pack");
    }
    done += n;
  }
}

}  // namespace

LocalStorage::LocalStorage(std::string folder) : folder_(std::move(folder)) {}

std::string LocalStorage::urlOf(const std::string& name) const {
  checkObjectName(name, "a local data set object");
  return (fs::path(folder_) / name).string();
}

std::vector<ObjectInfo> LocalStorage::list() {
  std::error_code error;
  std::vector<ObjectInfo> objects;
  if (!fs::exists(folder_, error)) return objects;  // nothing there yet
  for (fs::directory_iterator it(folder_, error), end; !error && it != end; it.increment(error)) {
    if (it->is_regular_file()) {
      objects.push_back({it->path().filename().string(), static_cast<int64_t>(it->file_size())});
    }
  }
  if (error) {
    throw DataError("cannot list the folder " + folder_ + ": " + error.message(),
                    "check that the data set folder exists and this user may read it");
  }
  std::sort(objects.begin(), objects.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.name < b.name; });
  return objects;
}

bool LocalStorage::exists(const std::string& name) {
  std::error_code error;
  return fs::is_regular_file(urlOf(name), error);
}

int64_t LocalStorage::size(const std::string& name) {
  const std::string path = urlOf(name);
  std::error_code error;
  const auto bytes = fs::file_size(path, error);
  if (error) {
    throw DataError("cannot read " + path + ": " + error.message(),
                    "check that the data set is complete (repack it with cohort-pack if not)");
  }
  return static_cast<int64_t>(bytes);
}

void LocalStorage::read(const std::string& name, int64_t offset, int64_t length, char* out) {
  const std::string path = urlOf(name);
  UniqueFd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) {
    throw DataError("cannot open " + path + ": " + errnoText(),
                    "check that the data set is complete and this user may read it");
  }
  readFully(file.fd, path, offset, length, out);
}

std::shared_ptr<Buffer> LocalStorage::fetch(const std::string& name, int64_t expected_size, Checksum* checksum) {
  constexpr int64_t kBlock = 1 << 20;  // hashed right after it is read, while in the CPU cache
  const std::string path = urlOf(name);
  UniqueFd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  struct stat st;
  if (file.fd < 0 || ::fstat(file.fd, &st) != 0) {
    throw DataError("cannot open " + path + ": " + errnoText(),
                    "check that the data set is complete and this user may read it");
  }
  if (st.st_size != expected_size) {
    throw DataError(path + " is " + std::to_string(st.st_size) + " bytes but index.json says " +
                        std::to_string(expected_size),
                    "the file was truncated or replaced: repack the data set with cohort-pack");
  }
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

void LocalStorage::write(const std::string& name, const std::string& bytes) {
  const fs::path path = urlOf(name);
  std::error_code error;
  fs::create_directories(path.parent_path(), error);
  if (error) {
    throw DataError("cannot create the folder " + path.parent_path().string() + ": " + error.message(),
                    "choose a location this user can write");
  }
  const std::string temp = path.string() + ".partial." + std::to_string(::getpid());
  {
    UniqueFd file{::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
    if (file.fd < 0) {
      throw DataError("cannot create " + temp + ": " + errnoText(), "choose a location this user can write");
    }
    if (!writeAll(file.fd, bytes.data(), bytes.size())) {
      const std::string why = errnoText();
      ::unlink(temp.c_str());
      throw DataError("cannot write " + temp + ": " + why, "free some space or choose another location");
    }
    if (::fsync(file.fd) != 0) {
      const std::string why = errnoText();
      ::unlink(temp.c_str());
      throw DataError("cannot flush " + temp + ": " + why, "check the disk or the NFS mount");
    }
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string why = errnoText();
    ::unlink(temp.c_str());
    throw DataError("cannot rename " + temp + " to " + path.string() + ": " + why,
                    "check the disk or the NFS mount");
  }
}

}  // namespace cohort::data
