#include "common/program_path.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "cohort/core/error.h"
#include "common/posix_io.h"

namespace cohort::launcher {

namespace {

std::vector<std::string> pathDirectories() {
  const char* path = std::getenv("PATH");
  std::string text = path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::vector<std::string> dirs;
  size_t start = 0;
  while (start <= text.size()) {
    size_t colon = text.find(':', start);
    if (colon == std::string::npos) colon = text.size();
    std::string dir = text.substr(start, colon - start);
    dirs.push_back(dir.empty() ? "." : dir);
    start = colon + 1;
  }
  return dirs;
}

bool isExecutableFile(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) && access(path.c_str(), X_OK) == 0;
}

// /proc/self/exe, or "" when it cannot be read.
std::string ownPath() {
  char path[4096];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  return n > 0 ? std::string(path, static_cast<size_t>(n)) : std::string();
}

}  // namespace

std::string findInPath(const std::string& name) {
  for (const auto& dir : pathDirectories()) {
    std::string candidate = dir + "/" + name;
    if (isExecutableFile(candidate)) return candidate;
  }
  return "";
}

std::string resolveProgram(const std::string& program) {
  std::string path = program;
  if (program.find('/') == std::string::npos) {
    path = findInPath(program);
    if (path.empty()) {
      throw ConfigError("program '" + program + "' is not in PATH",
                        "give its path (e.g. ./" + program + "), or add its folder to PATH");
    }
  }
  path = absolutePath(path);
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) {
    throw ConfigError("program " + path + " does not exist", "check the path after '--'");
  }
  if (S_ISDIR(info.st_mode)) {
    throw ConfigError("program " + path + " is a folder, not a program", "name the program to run");
  }
  if (access(path.c_str(), X_OK) != 0) {
    throw ConfigError("program " + path + " is not executable", "make it executable (chmod +x " +
                                                                    path +
                                                                    "), or run it through its "
                                                                    "interpreter (-- python3 " +
                                                                    path + ")");
  }
  return path;
}

std::string selfPath(const std::string& tool) {
  const std::string path = ownPath();
  if (path.empty()) throw ConfigError("cannot find " + tool + "'s own path in /proc/self/exe", "");
  return path;
}

std::string siblingProgram(const std::string& name) {
  const std::string self = ownPath();
  const size_t slash = self.rfind('/');
  if (slash == std::string::npos) return name;
  const std::string beside = self.substr(0, slash + 1) + name;
  return access(beside.c_str(), X_OK) == 0 ? beside : name;
}

}  // namespace cohort::launcher
