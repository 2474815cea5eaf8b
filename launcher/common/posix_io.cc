#include "common/posix_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <fstream>
#include <optional>
#include <sstream>

#include "cohort/core/error.h"
#include "common/child_process.h"
#include "common/output_pump.h"

namespace cohort::launcher {

std::vector<std::string> makeDirectories(const std::string& path, const std::string& advice) {
  std::vector<std::string> created;
  std::string partial;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    partial = path.substr(0, slash);
    if (!partial.empty()) {
      if (mkdir(partial.c_str(), 0755) == 0) {
        created.push_back(partial);
      } else if (errno != EEXIST) {
        const int why = errno;
        removeFolders(created);
        throw ConfigError("cannot create folder " + partial + ": " + std::strerror(why), advice);
      }
    }
    start = slash + 1;
  }
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) {
    const int why = errno;
    removeFolders(created);
    throw ConfigError("cannot reach the folder " + path + ": " + std::strerror(why), advice);
  }
  if (!S_ISDIR(info.st_mode)) {
    removeFolders(created);
    throw ConfigError(path + " is not a folder", advice);
  }
  return created;
}

void removeFolders(const std::vector<std::string>& created) {
  for (auto it = created.rbegin(); it != created.rend(); ++it) rmdir(it->c_str());
}

void writeFileAtomically(const std::string& path, const std::string& text) {
  std::string problem;
  if (!cohort::writeFileAtomically(path, text, &problem)) {
    throw ConfigError(problem, "check that the folder holding it is writable and has free space");
  }
}

std::string readWholeFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> lastLines(const std::string& path, size_t count) {
  std::ifstream in(path);
  std::deque<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line);
    if (lines.size() > count) lines.pop_front();
  }
  return {lines.begin(), lines.end()};
}

std::string trimmedOutput(std::string output) {
  while (!output.empty() &&
         (output.back() == '\n' || output.back() == '\r' || output.back() == ' '))
    output.pop_back();
  return output;
}

int runCommand(const std::vector<std::string>& argv, std::string* output, double timeout_s) {
  if (argv.empty()) return -1;
  ChildSpec spec;
  spec.argv = argv;
  spec.in = Stream::kNull;
  spec.out = Stream::kPipe;
  spec.err = Stream::kLikeStdout;
  std::optional<ChildProcess> child;
  try {
    child.emplace(spec);
  } catch (const Error&) {
    return -1;
  }
  std::string text;
  OutputPump pump;
  pump.add(child->takeStdout(), [&](const std::string& line) { text += line + "\n"; });
  const double deadline = unixNow() + timeout_s;
  while (pump.openCount() > 0 && unixNow() < deadline) {
    if (!pump.pump(100)) break;
  }
  pump.finish();
  if (output) *output = text;
  if (!child->poll()) {
    // Give it a moment after closing its output, then stop it.
    usleep(100 * 1000);
    if (!child->poll()) {
      child->signalGroup(SIGKILL);
      child->wait();
      return -1;
    }
  }
  return child->status().exit_code;
}

std::string absolutePath(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[4096];
  if (getcwd(cwd, sizeof cwd) == nullptr) return path;
  std::string base = cwd;
  std::string rest = path;
  while (rest.rfind("./", 0) == 0) rest = rest.substr(2);
  if (rest == ".") rest.clear();
  return rest.empty() ? base : base + "/" + rest;
}

}  // namespace cohort::launcher
