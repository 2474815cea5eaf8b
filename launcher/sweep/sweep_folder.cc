#include "sweep/sweep_folder.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <utility>

#include "cohort/core/error.h"
#include "cohort/core/number.h"
#include "common/posix_io.h"

namespace cohort::sweep_tool {

SweepFolder::SweepFolder(std::string dir) : dir_(std::move(dir)) {}

std::string SweepFolder::store() const { return dir_ + "/sweep.db"; }
std::string SweepFolder::specCopy() const { return dir_ + "/sweep.yaml"; }
std::string SweepFolder::lock() const { return dir_ + "/driver.lock"; }
std::string SweepFolder::log() const { return dir_ + "/driver.log"; }
std::string SweepFolder::report() const { return dir_ + "/report.html"; }
std::string SweepFolder::registered() const { return dir_ + "/registered.json"; }
std::string SweepFolder::trials() const { return dir_ + "/trials"; }

TrialFolder SweepFolder::trial(int64_t id) const {
  char number[16];
  std::snprintf(number, sizeof number, "%05lld", static_cast<long long>(id));
  TrialFolder t;
  t.dir = trials() + "/" + number;
  t.outputs = t.dir + "/outputs";
  t.logs = t.dir + "/logs";
  t.console = t.dir + "/cohortrun.log";
  t.stop = t.dir + "/stop.json";
  t.metrics = t.logs + "/metrics.jsonl";
  t.record = t.logs + "/trial.json";
  t.model = t.outputs + "/model";
  return t;
}

std::optional<int64_t> SweepFolder::trialNumber(const std::string& name) {
  return readWhole(name, 0, 99999999999999999);
}

std::string SweepFolder::existingStore() const {
  const std::string path = store();
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    throw ConfigError(dir_ + " is not a sweep folder (it has no sweep.db)",
                      "name the folder `cohort-sweep run` was given (--dir), e.g. sweeps/NAME");
  }
  return path;
}

bool SweepFolder::storeIsNew() const {
  namespace fs = std::filesystem;
  std::error_code error;
  const std::string path = store();
  if (!fs::exists(fs::symlink_status(path, error))) return true;
  return fs::is_regular_file(path, error) && fs::file_size(path, error) == 0;
}

void SweepFolder::refuseOrphanTrials(int64_t known_trials) const {
  namespace fs = std::filesystem;
  std::error_code error;
  const std::string folders = trials();
  if (!fs::is_directory(folders, error)) return;
  int64_t orphans = 0;
  std::string example;
  for (fs::directory_iterator it(folders, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    const auto number = trialNumber(name);
    if (known_trials > 0 && (!number || *number <= known_trials)) continue;
    ++orphans;
    if (example.empty()) example = name;
  }
  if (orphans == 0) return;
  const std::string path = store();
  const std::string what = known_trials == 0
                               ? std::string(fs::exists(path, error) ? " is empty" : " is missing")
                               : " knows " + std::to_string(known_trials) + " trial(s) only";
  throw ConfigError(folders + " holds " + std::to_string(orphans) + " trial folder(s) (" + example +
                        "...) of an earlier sweep, but " + path + what +
                        ": a new trial there would continue an old trial's checkpoint",
                    "start the new sweep in another folder (--dir), or move " + folders +
                        " away first; to resume the earlier sweep, restore its sweep.db");
}

std::string SweepFolder::sweepId(const std::string& digest) const {
  std::string trimmed = dir_;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  std::string name = std::filesystem::path(trimmed).filename().string();
  if (name.empty() || name == "." || name == "..") name = "sweep";
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  }
  if (name.size() > 24) name.resize(24);  // a trial's run id stays within cohortrun's 64
  return name + "-" + digest.substr(0, 8);
}

DriverLock::DriverLock(const SweepFolder& folder) {
  const std::string path = folder.lock();
  fd_ = UniqueFd{::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)};
  if (fd_.fd < 0) {
    throw ConfigError("cannot create " + path + ": " + std::strerror(errno),
                      "choose a writable sweep folder");
  }
  if (::flock(fd_.fd, LOCK_EX | LOCK_NB) != 0) {
    const std::string holder = launcher::readWholeFile(path);
    throw ConfigError("another cohort-sweep drives " + folder.dir() +
                          (holder.empty() ? std::string() : " (" + holder + ")"),
                      "wait for it, or stop it (SIGTERM) before starting this one");
  }
  const std::string me = "pid " + std::to_string(::getpid()) + " on " + launcher::hostName();
  if (::ftruncate(fd_.fd, 0) == 0) writeAll(fd_.fd, me.data(), me.size());
}

}  // namespace cohort::sweep_tool
