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

std::vector<std::string> makeDirectories(const std::string& path) {
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
        throw ConfigError("cannot create folder " + partial + ": " + std::strerror(why),
                          "choose a folder you can write (--logs, --outputs)");
      }
    }
    start = slash + 1;
  }
  struct stat info {};
  if (stat(path.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    removeFolders(created);
    throw ConfigError(path + " is not a folder", "choose a folder for --logs and --outputs");
  }
  return created;
}

void removeFolders(const std::vector<std::string>& created) {
  for (auto it = created.rbegin(); it != created.rend(); ++it) rmdir(it->c_str());
}

void writeFileAtomically(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp." + std::to_string(getpid());
  UniqueFd fd(open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.fd < 0) {
    throw ConfigError("cannot write " + path + ": " + std::strerror(errno),
                      "check that the logs folder is writable and not full");
  }
  // A full disk fails the write or, on some file systems, only the close.
  const bool written = writeAll(fd.fd, text);
  const int write_errno = errno;
  const bool closed = close(fd.release()) == 0;
  const int why = written ? errno : write_errno;
  if (!written || !closed) {
    unlink(temporary.c_str());  // leave no half-written file behind
    throw ConfigError("cannot write " + path + ": " + std::strerror(why),
                      "check that the logs folder is writable and not full");
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int rename_errno = errno;
    unlink(temporary.c_str());
    throw ConfigError(
        "cannot rename " + temporary + " to " + path + ": " + std::strerror(rename_errno),
        "check that the logs folder is writable");
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

double unixNow() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<double>(now.tv_sec) + now.tv_nsec * 1e-9;
}

std::string isoTime(double unix_seconds) {
  time_t whole = static_cast<time_t>(unix_seconds);
  int millis = static_cast<int>((unix_seconds - static_cast<double>(whole)) * 1000);
  tm utc{};
  gmtime_r(&whole, &utc);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
  return buf;
}

std::string hostName() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
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
