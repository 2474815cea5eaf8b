#include "cohortrun/log_folder.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "cohort/core/error.h"
#include "cohort/core/run_record.h"
#include "common/posix_io.h"

namespace cohort::launcher {

namespace {

bool startsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

bool endsWith(const std::string& s, const char* suffix) {
  size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

// The files of one attempt: rank logs, records and the timeline folder
// (which the next attempt would write afresh).
bool isAttemptFile(const std::string& name) {
  return name == "timeline" || (startsWith(name, "rank-") && endsWith(name, ".log")) ||
         (startsWith(name, "exit-rank-") && endsWith(name, ".json")) ||
         (startsWith(name, "error-") && endsWith(name, ".json"));
}

// Everything cohortrun writes in the folder.
bool isRunFile(const std::string& name) {
  return isAttemptFile(name) || name == "run.json" || name == "launcher.log" ||
         startsWith(name, "attempt-") || (startsWith(name, "sbatch-") && endsWith(name, ".sh")) ||
         (startsWith(name, "slurm-") && endsWith(name, ".out"));
}

std::vector<std::string> namesIn(const std::string& dir, bool (*wanted)(const std::string&)) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* entry = readdir(d)) {
      if (wanted(entry->d_name)) names.push_back(entry->d_name);
    }
    closedir(d);
  }
  return names;
}

void moveAll(const std::string& from, const std::vector<std::string>& names,
             const std::string& to) {
  makeDirectories(to);
  for (const auto& name : names) {
    std::string source = from + "/" + name, target = to + "/" + name;
    if (std::rename(source.c_str(), target.c_str()) != 0 && errno != ENOENT) {
      throw ConfigError("cannot move " + source + " to " + target + ": " + std::strerror(errno),
                        "make the logs folder writable, or choose another with --logs");
    }
  }
}

}  // namespace

std::string archivePreviousRun(const std::string& logs_dir, const std::string& run_id) {
  // An unreadable run.json still goes, to a folder named for the time.
  std::string old_id;
  try {
    if (const auto run = RunRecord::readFile(RunRecord::pathIn(logs_dir))) old_id = run->run_id;
  } catch (const DataError&) {
  }
  if (old_id == run_id)
    return "";  // this run's own (--slurm-submit wrote it before the job started)
  auto names = namesIn(logs_dir, isRunFile);
  if (names.empty()) return "";
  bool safe = !old_id.empty() && old_id.find('/') == std::string::npos && old_id[0] != '.';
  std::string target = logs_dir + "/previous/" +
                       (safe ? old_id : "unknown-" + std::to_string(static_cast<long>(unixNow())));
  moveAll(logs_dir, names, target);
  return target;
}

std::string archiveAttempt(const std::string& logs_dir, int restart) {
  std::string target = logs_dir + "/attempt-" + std::to_string(restart);
  moveAll(logs_dir, namesIn(logs_dir, isAttemptFile), target);
  return target;
}

std::string logsWriteProblem(const std::string& logs_dir) {
  const std::string probe = logs_dir + "/.cohortrun-probe-" + uniqueSuffix();
  UniqueFd fd(open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  bool ok = fd.fd >= 0 && writeAll(fd.fd, std::string(512, ' '));  // an exit record's size
  int why = errno;
  if (fd.fd >= 0 && close(fd.release()) != 0 && ok) {
    ok = false;
    why = errno;
  }
  std::remove(probe.c_str());
  return ok ? "" : "cannot write files in " + logs_dir + ": " + std::strerror(why);
}

}  // namespace cohort::launcher
