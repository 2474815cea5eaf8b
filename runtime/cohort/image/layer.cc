#include "cohort/image/layer.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fcntl.h>
#include <algorithm>
#include <set>

#include "cohort/core/error.h"
#include "cohort/core/file_io.h"
#include "cohort/storage/checksum.h"

namespace cohort::image {

namespace {

int64_t sizeOf(const LayerEntry& e) {
  if (e.directory) return 0;
  if (e.source.empty()) return static_cast<int64_t>(e.bytes.size());
  struct stat st {};
  COHORT_CHECK(::stat(e.source.c_str(), &st) == 0 && S_ISREG(st.st_mode), ConfigError,
               "cannot put " + e.source + " into the image: it is not a readable file",
               "check that it exists");
  return st.st_size;
}

std::string parentOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

}  // namespace

void Layer::add(LayerEntry entry) {
  while (!entry.path.empty() && entry.path[0] == '/') entry.path.erase(0, 1);
  entries_.push_back(std::move(entry));
}

void Layer::addFile(const std::string& path, const std::string& source, uint32_t mode) {
  LayerEntry e;
  e.path = path;
  e.source = source;
  e.mode = mode;
  add(std::move(e));
}

void Layer::addText(const std::string& path, const std::string& bytes, uint32_t mode) {
  LayerEntry e;
  e.path = path;
  e.bytes = bytes;
  e.mode = mode;
  add(std::move(e));
}

void Layer::addFolder(const std::string& path, uint32_t mode, uint32_t uid, uint32_t gid) {
  LayerEntry e;
  e.path = path;
  e.directory = true;
  e.mode = mode;
  e.uid = uid;
  e.gid = gid;
  add(std::move(e));
}

std::vector<LayerEntry> Layer::entries() const {
  std::vector<LayerEntry> out = entries_;
  std::set<std::string> named;
  for (const auto& e : out) {
    COHORT_CHECK(named.insert(e.path).second, ConfigError,
                 "the image would hold '" + e.path + "' twice",
                 "give each file of the image one place");
  }
  for (const auto& e : entries_) {
    for (std::string up = parentOf(e.path); !up.empty(); up = parentOf(up)) {
      if (!named.insert(up).second) continue;
      LayerEntry folder;
      folder.path = up;
      folder.directory = true;
      folder.mode = 0755;
      out.push_back(std::move(folder));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const LayerEntry& a, const LayerEntry& b) { return a.path < b.path; });
  return out;
}

std::string Layer::contentKey() const {
  std::string lines;
  for (const auto& e : entries()) {
    const std::string content =
        e.directory        ? "-"
        : e.source.empty() ? storage::sha256Hex(e.bytes)
                           : storage::fileChecksumHex(storage::ChecksumKind::kSha256, e.source);
    lines += e.path + " " + (e.directory ? "d" : "f") + " " + std::to_string(e.mode) + " " +
             std::to_string(e.uid) + ":" + std::to_string(e.gid) + " " + content + "\n";
  }
  return storage::sha256Hex(lines);
}

int64_t Layer::fileBytes() const {
  int64_t total = 0;
  for (const auto& e : entries_) total += sizeOf(e);
  return total;
}

void Layer::write(TarWriter& tar) const {
  for (const auto& e : entries()) {
    TarHeader h;
    h.path = e.path;
    h.directory = e.directory;
    h.mode = e.mode;
    h.uid = e.uid;
    h.gid = e.gid;
    h.size = sizeOf(e);
    tar.header(h);
    if (e.directory || h.size == 0) continue;
    if (e.source.empty()) {
      tar.content(e.bytes.data(), e.bytes.size());
      continue;
    }
    UniqueFd fd(::open(e.source.c_str(), O_RDONLY | O_CLOEXEC));
    COHORT_CHECK(fd.fd >= 0, ConfigError, "cannot read " + e.source + " into the image",
                 "check its permissions");
    std::vector<char> buffer(1 << 20);
    int64_t left = h.size;
    while (left > 0) {
      const ssize_t n = ::read(fd.fd, buffer.data(), buffer.size());
      COHORT_CHECK(n > 0, DataError,
                   "cannot read " + e.source + " into the image (it shrank, or a read failed)",
                   "build the image again once nothing writes to its files");
      const int64_t used = std::min<int64_t>(n, left);
      tar.content(buffer.data(), static_cast<size_t>(used));
      left -= used;
    }
  }
  tar.finish();
}

}  // namespace cohort::image
