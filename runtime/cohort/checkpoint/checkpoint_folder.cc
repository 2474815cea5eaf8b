#include "cohort/checkpoint/checkpoint_folder.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "cohort/checkpoint/latest_pointer.h"
#include "cohort/core/error.h"
#include "cohort/core/file_io.h"
#include "cohort/core/json.h"
#include "cohort/storage/checksum.h"

namespace cohort::checkpoint {

namespace {

const char* kChecksums = "checksums.json";
const char* kFreeSpace = "check that the outputs folder is writable and has free space";

std::string systemError(int error) { return std::strerror(error); }

// The XXH3-128 digest and size of a file, read through a read-only mapping.
// `sync`: also start the file's writeback first and wait for it at the end.
std::string hashFile(const fs::path& file, int64_t* bytes, bool sync) {
  UniqueFd f{::open(file.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) throw Error("cannot open " + file.string() + ": " + systemError(errno), kFreeSpace);
  struct stat st {};
  if (::fstat(f.fd, &st) != 0)
    throw Error("cannot stat " + file.string() + ": " + systemError(errno), kFreeSpace);
  *bytes = st.st_size;
  // Writeback runs on the disk while this core hashes.
  if (sync) ::sync_file_range(f.fd, 0, 0, SYNC_FILE_RANGE_WRITE);
  storage::Checksum checksum(storage::ChecksumKind::kXxh128);
  if (st.st_size > 0) {
    void* map = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_SHARED, f.fd, 0);
    if (map == MAP_FAILED)
      throw Error("cannot map " + file.string() + ": " + systemError(errno), kFreeSpace);
    ::madvise(map, static_cast<size_t>(st.st_size), MADV_SEQUENTIAL);
    checksum.update(map, static_cast<size_t>(st.st_size));
    ::munmap(map, static_cast<size_t>(st.st_size));
  }
  if (sync && ::fdatasync(f.fd) != 0) {
    throw Error("cannot write " + file.string() + " to disk: " + systemError(errno), kFreeSpace);
  }
  return checksum.hex();
}

}  // namespace

void fsyncPath(const fs::path& path) {
  UniqueFd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0 || ::fsync(f.fd) != 0) {
    throw Error("cannot fsync " + path.string() + ": " + systemError(errno), kFreeSpace);
  }
}

void renamePath(const fs::path& from, const fs::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    throw Error("cannot rename " + from.string() + " to " + to.string() + ": " + systemError(errno),
                kFreeSpace);
  }
}

void writeTextFile(const fs::path& path, const std::string& text) {
  UniqueFd f{::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
  if (f.fd < 0)
    throw Error("cannot create " + path.string() + ": " + systemError(errno), kFreeSpace);
  if (!writeAll(f.fd, text.data(), text.size())) {
    throw Error("cannot write " + path.string() + ": " + systemError(errno), kFreeSpace);
  }
  if (::fsync(f.fd) != 0)
    throw Error("cannot write " + path.string() + " to disk: " + systemError(errno), kFreeSpace);
}

std::string stepFolderName(int64_t step) {
  char name[32];
  std::snprintf(name, sizeof name, "step-%08lld", static_cast<long long>(step));
  return name;
}

bool parseStepFolderName(const std::string& name, int64_t* step) {
  if (name.size() < 13 || name.compare(0, 5, "step-") != 0 || name.size() > 5 + 18) return false;
  int64_t value = 0;
  for (size_t i = 5; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    value = value * 10 + (name[i] - '0');
  }
  *step = value;
  return true;
}

std::string sealFile(const fs::path& file, int64_t* bytes) { return hashFile(file, bytes, true); }

void refuseUnusableFolder(const fs::path& checkpoints_dir) {
  std::error_code error;
  const fs::file_status status = fs::status(checkpoints_dir, error);
  if (status.type() == fs::file_type::not_found || fs::is_directory(status)) return;
  const std::string advice =
      "move it away, or give the run another outputs folder (cohortrun --outputs)";
  if (error) {
    throw Error(
        "cannot use the checkpoint folder " + checkpoints_dir.string() + ": " + error.message(),
        advice);
  }
  throw Error(checkpoints_dir.string() + " is not a folder, where the checkpoints go", advice);
}

PendingCheckpoint::PendingCheckpoint(fs::path checkpoints_dir, int64_t step)
    : dir_(std::move(checkpoints_dir)),
      temp_(dir_ / ("." + stepFolderName(step) + ".tmp")),
      step_(step) {
  refuseUnusableFolder(dir_);
  refuseLatestFolder(dir_);  // commit() could not replace it
  std::error_code error;
  fs::create_directories(dir_, error);
  if (!error) fs::remove_all(temp_, error);
  if (!error) fs::create_directory(temp_, error);
  if (error)
    throw Error("cannot create the checkpoint folder " + temp_.string() + ": " + error.message(),
                kFreeSpace);
}

PendingCheckpoint::~PendingCheckpoint() {
  if (committed_) return;
  std::error_code ignored;
  fs::remove_all(temp_, ignored);
}

void PendingCheckpoint::seal(const std::string& name) {
  Sealed s;
  s.digest = sealFile(path(name), &s.bytes);
  files_[name] = s;
}

fs::path PendingCheckpoint::commit() {
  nlohmann::json files = nlohmann::json::object();
  for (const auto& [name, s] : files_) files[name] = {{"bytes", s.bytes}, {"xxh128", s.digest}};
  const nlohmann::json doc = {{"format", 1}, {"step", step_}, {"files", files}};
  writeTextFile(path(kChecksums), doc.dump(2) + "\n");
  fsyncPath(temp_);
  // An older folder of the same step (a rerun from an earlier checkpoint) is
  // moved aside first, so the rename below cannot fail on a non-empty target.
  const fs::path final_folder = dir_ / stepFolderName(step_);
  const fs::path replaced = dir_ / ("." + stepFolderName(step_) + ".old");
  std::error_code error;
  // symlink_status: a symbolic link of that name (one that loops included) is moved aside too.
  const bool had_old = fs::exists(fs::symlink_status(final_folder, error));
  if (had_old) {
    fs::remove_all(replaced, error);
    renamePath(final_folder, replaced);
  }
  renamePath(temp_, final_folder);
  committed_ = true;
  fsyncPath(dir_);
  pointLatestAt(dir_, stepFolderName(step_));
  if (had_old) fs::remove_all(replaced, error);
  return final_folder;
}

std::string verifyCheckpoint(const fs::path& folder) {
  nlohmann::json doc;
  {
    std::ifstream in(folder / kChecksums);
    if (!in) return std::string(kChecksums) + " is missing";
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    doc = parseUntrustedJson(text);  // See Note [Untrusted JSON]
  }
  if (doc.is_discarded() || !doc.contains("files") || !doc["files"].is_object()) {
    return std::string(kChecksums) + " is not valid JSON with a \"files\" object";
  }
  for (const auto& [name, entry] : doc["files"].items()) {
    if (!entry.is_object() || !entry.contains("bytes") || !entry.contains("xxh128") ||
        !entry["bytes"].is_number_integer() || !entry["xxh128"].is_string()) {
      return std::string(kChecksums) + " has a malformed entry for " + name;
    }
    const fs::path file = folder / name;
    std::error_code error;
    const auto size = fs::file_size(file, error);
    if (error) return name + " is missing (" + error.message() + ")";
    const int64_t expected = entry["bytes"].get<int64_t>();
    if (static_cast<int64_t>(size) != expected) {
      return name + " is " + std::to_string(size) + " bytes, " + std::to_string(expected) +
             " expected (truncated or overwritten)";
    }
    int64_t bytes = 0;
    std::string digest;
    try {
      digest = hashFile(file, &bytes, false);
    } catch (const Error& e) {
      return e.detail();
    }
    if (digest != entry["xxh128"].get<std::string>()) {
      return name + " does not match its checksum (its bytes changed after it was written)";
    }
  }
  return "";
}

std::vector<CommittedCheckpoint> listCheckpoints(const fs::path& checkpoints_dir,
                                                 std::vector<std::string>* unreadable) {
  std::vector<CommittedCheckpoint> found;
  std::error_code error;
  for (fs::directory_iterator it(checkpoints_dir, error), end; !error && it != end;
       it.increment(error)) {
    std::error_code type_error;
    const fs::file_status status = it->status(type_error);  // follows symbolic links
    if (type_error) {
      if (unreadable) unreadable->push_back(it->path().string() + ": " + type_error.message());
      continue;
    }
    int64_t step = 0;
    if (fs::is_directory(status) && parseStepFolderName(it->path().filename().string(), &step)) {
      found.push_back({step, it->path()});
    }
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.step > b.step; });
  return found;
}

std::vector<std::string> removeUnfinished(const fs::path& checkpoints_dir) {
  std::vector<std::string> removed;
  std::error_code error;
  std::vector<fs::path> leftovers;
  for (fs::directory_iterator it(checkpoints_dir, error), end; !error && it != end;
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.compare(0, 6, ".step-") == 0 || name == kLatestTempName)
      leftovers.push_back(it->path());
  }
  for (const auto& path : leftovers) {
    std::error_code ignored;
    fs::remove_all(path, ignored);
    removed.push_back(path.filename().string());
  }
  return removed;
}

}  // namespace cohort::checkpoint
