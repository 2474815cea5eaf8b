#include "sweep/sweep_folder.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>

#include "cohort/core/error.h"
#include "common/posix_io.h"

namespace cohort::sweep_tool {

std::string storePath(const std::string& dir) { return dir + "/sweep.db"; }

std::string existingStorePath(const std::string& dir) {
  const std::string path = storePath(dir);
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    throw ConfigError(dir + " is not a sweep folder (it has no sweep.db)",
                      "name the folder `cohort-sweep run` was given (--dir), e.g. sweeps/NAME");
  }
  return path;
}

bool storeIsNew(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code error;
  const std::string store = storePath(dir);
  if (!fs::exists(fs::symlink_status(store, error))) return true;
  return fs::is_regular_file(store, error) && fs::file_size(store, error) == 0;
}

void refuseOrphanTrials(const std::string& dir, int64_t known_trials) {
  namespace fs = std::filesystem;
  std::error_code error;
  const std::string trials = dir + "/trials";
  if (!fs::is_directory(trials, error)) return;
  int64_t orphans = 0;
  std::string example;
  for (fs::directory_iterator it(trials, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    const bool numbered = !name.empty() && name.size() < 18 &&
                          name.find_first_not_of("0123456789") == std::string::npos;
    if (known_trials > 0 && (!numbered || std::stoll(name) <= known_trials)) continue;
    ++orphans;
    if (example.empty()) example = name;
  }
  if (orphans == 0) return;
  const std::string store = storePath(dir);
  const std::string what = known_trials == 0
                               ? std::string(fs::exists(store, error) ? " is empty" : " is missing")
                               : " knows " + std::to_string(known_trials) + " trial(s) only";
  throw ConfigError(trials + " holds " + std::to_string(orphans) + " trial folder(s) (" + example +
                        "...) of an earlier sweep, but " + store + what +
                        ": a new trial there would continue an old trial's checkpoint",
                    "start the new sweep in another folder (--dir), or move " + trials +
                        " away first; to resume the earlier sweep, restore its sweep.db");
}

DriverLock::DriverLock(const std::string& dir) {
  const std::string path = dir + "/driver.lock";
  fd_ = UniqueFd{::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)};
  if (fd_.fd < 0) {
    throw ConfigError("cannot create " + path + ": " + std::strerror(errno),
                      "choose a writable sweep folder");
  }
  if (::flock(fd_.fd, LOCK_EX | LOCK_NB) != 0) {
    const std::string holder = launcher::readWholeFile(path);
    throw ConfigError("another cohort-sweep drives " + dir +
                          (holder.empty() ? std::string() : " (" + holder + ")"),
                      "wait for it, or stop it (SIGTERM) before starting this one");
  }
  const std::string me = "pid " + std::to_string(::getpid()) + " on " + launcher::hostName();
  if (::ftruncate(fd_.fd, 0) == 0) writeAll(fd_.fd, me.data(), me.size());
}

std::string sweepId(const std::string& dir, const std::string& digest) {
  std::string trimmed = dir;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  std::string name = std::filesystem::path(trimmed).filename().string();
  if (name.empty() || name == "." || name == "..") name = "sweep";
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  }
  if (name.size() > 24) name.resize(24);  // a trial's run id stays within cohortrun's 64
  return name + "-" + digest.substr(0, 8);
}

}  // namespace cohort::sweep_tool
