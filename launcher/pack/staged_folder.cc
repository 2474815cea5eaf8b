#include "pack/staged_folder.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "cohort/core/error.h"
#include "cohort/core/file_io.h"
#include "cohort/data/manifest.h"
#include "pack/dataset_writer.h"

namespace cohort_pack {

namespace fs = std::filesystem;

namespace {

// Whether a data set (or a write of one cut short) can hold a file of this name.
bool partOfADataset(const std::string& name) {
  if (name == cohort::data::Manifest::kFileName) return true;
  if (name.find(".partial.") != std::string::npos) return true;  // LocalStorage's temporaries
  return isShardName(name);
}

void syncFolder(const fs::path& folder) {
  cohort::UniqueFd f{::open(folder.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd >= 0) ::fsync(f.fd);
}

}  // namespace

void checkLocalDestination(const std::string& destination, bool replace) {
  std::error_code error;
  const fs::file_status status = fs::status(destination, error);
  if (status.type() == fs::file_type::not_found) return;
  if (error) {
    throw cohort::DataError("cannot read " + destination + ": " + error.message(),
                            "choose a location this user can read and write");
  }
  if (!fs::is_directory(status)) {
    throw cohort::ConfigError(destination + " exists and is not a folder",
                              "choose a new or empty folder for the data set");
  }
  bool has_index = false;
  std::vector<std::string> foreign;
  for (fs::directory_iterator it(destination, error), end; !error && it != end;
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name == cohort::data::Manifest::kFileName) has_index = true;
    if (!partOfADataset(name)) foreign.push_back(name);
  }
  if (error) {
    throw cohort::DataError("cannot list " + destination + ": " + error.message(),
                            "choose a location this user can read and write");
  }
  if (has_index && !replace) {
    throw cohort::ConfigError(destination + " already holds a data set (index.json)",
                              "pass --force to replace it, or choose another location");
  }
  if (!foreign.empty()) {
    throw cohort::ConfigError(
        destination + " holds " + foreign[0] +
            (foreign.size() > 1 ? " and " + std::to_string(foreign.size() - 1) + " more" : "") +
            ", which a data set does not; cohort-pack replaces the folder whole",
        "choose a new or empty folder, or move those files away");
  }
}

StagedFolder::StagedFolder(std::string destination) : destination_(std::move(destination)) {
  // A symbolic link to the folder is followed: the folder is replaced, not the link.
  std::error_code resolve_error;
  const fs::path resolved = fs::weakly_canonical(destination_, resolve_error);
  if (!resolve_error) destination_ = resolved.string();
  while (destination_.size() > 1 && destination_.back() == '/') destination_.pop_back();
  const fs::path final_path(destination_);
  const fs::path parent = final_path.parent_path().empty() ? "." : final_path.parent_path();
  std::error_code error;
  fs::create_directories(parent, error);
  // mkdir(2), not mkdtemp(3): the folder gets the mode the umask gives, not 0700.
  const std::string name =
      (parent / ("." + final_path.filename().string() + ".pack-" + cohort::uniqueSuffix()))
          .string();
  if (error || ::mkdir(name.c_str(), 0777) != 0) {
    throw cohort::DataError("cannot create a folder beside " + destination_ + ": " +
                                (error ? error.message() : std::strerror(errno)),
                            "choose a location this user can write");
  }
  staging_ = name;
  // A replaced folder's mode (a group's shared folder, say) carries over.
  struct stat old {};
  if (::stat(destination_.c_str(), &old) == 0 && S_ISDIR(old.st_mode))
    ::chmod(staging_.c_str(), old.st_mode & 07777);
}

StagedFolder::~StagedFolder() {
  std::error_code ignored;
  fs::remove_all(staging_, ignored);
}

void StagedFolder::commit() {
  std::error_code error;
  const bool exists = fs::exists(fs::symlink_status(destination_, error));
  int result = -1;
  if (exists) {
    result =
        ::renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD, destination_.c_str(), RENAME_EXCHANGE);
    if (result != 0 && (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
      // No atomic exchange here (NFS): the old set aside, then the new one in.
      const std::string aside = staging_ + ".old";
      if (::rename(destination_.c_str(), aside.c_str()) == 0) {
        result = ::rename(staging_.c_str(), destination_.c_str());
        const int saved = errno;
        if (result != 0) ::rename(aside.c_str(), destination_.c_str());  // put it back
        if (result == 0) ::rename(aside.c_str(), staging_.c_str());      // removed with staging_
        errno = saved;
      }
    }
  } else {
    result =
        ::renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD, destination_.c_str(), RENAME_NOREPLACE);
    if (result != 0 && (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP))
      result = ::rename(staging_.c_str(), destination_.c_str());
  }
  if (result != 0) {
    throw cohort::DataError("cannot move the packed data set from " + staging_ + " to " +
                                destination_ + ": " + std::strerror(errno),
                            "check that " + destination_ +
                                " is a folder on a local or NFS disk this user can write, and "
                                "not a mount point");
  }
  syncFolder(fs::path(destination_).parent_path().empty() ? "."
                                                          : fs::path(destination_).parent_path());
}

}  // namespace cohort_pack
