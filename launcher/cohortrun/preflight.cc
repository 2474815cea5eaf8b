#include "preflight.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <map>

#include "cohort/core/error.h"
#include "network_choice.h"
#include "posix_io.h"

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

// The remote shell mpirun would use: OMPI_MCA_plm_rsh_agent's first choice, or ssh.
std::vector<std::string> remoteShell() {
  const char* agent = std::getenv("OMPI_MCA_plm_rsh_agent");
  std::string text = agent && *agent ? agent : "ssh";
  text = text.substr(0, text.find(':'));
  std::vector<std::string> words;
  size_t start = 0;
  while ((start = text.find_first_not_of(' ', start)) != std::string::npos) {
    size_t end = text.find(' ', start);
    words.push_back(text.substr(start, end - start));
    start = end;
  }
  return words;
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
    throw ConfigError("program " + path + " is not executable",
                      "make it executable (chmod +x " + path + "), or run it through its "
                      "interpreter (-- python3 " + path + ")");
  }
  return path;
}

void requireEngine(const std::string& name) {
  if (!findInPath(name).empty()) return;
  std::string package = name == "mpirun" ? "openmpi-bin" : "slurm-client";
  throw ConfigError(name + " is not installed here (not in PATH)",
                    "install it (Debian: apt-get install " + package + ") or add it to PATH");
}

bool isLocalHost(const std::string& host) {
  if (host == "localhost" || host == hostName()) return true;
  addrinfo hints{}, *found = nullptr;
  hints.ai_family = AF_INET;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0) return false;
  uint32_t address = ntohl(reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr.s_addr);
  freeaddrinfo(found);
  if ((address >> 24) == 127) return true;
  for (const auto& net : localNetworks()) {
    if (net.address == address) return true;
  }
  return false;
}

uint32_t resolveHost(const std::string& host) {
  addrinfo hints{}, *found = nullptr;
  hints.ai_family = AF_INET;
  int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (rc != 0) {
    throw ConfigError("host '" + host + "' does not resolve: " + gai_strerror(rc),
                      "check the name, or add it to DNS or /etc/hosts");
  }
  uint32_t address = ntohl(reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr.s_addr);
  freeaddrinfo(found);
  return address;
}

std::vector<HostProblem> unreachableHosts(const std::vector<std::string>& hosts, int timeout_s) {
  struct Probe {
    std::string host;
    pid_t pid;
    int fd;
    std::string output;
  };
  std::vector<Probe> probes;
  std::vector<HostProblem> problems;
  std::vector<std::string> shell = remoteShell();
  for (const auto& host : hosts) {
    if (isLocalHost(host)) continue;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) continue;
    pid_t pid = fork();
    if (pid == 0) {
      setpgid(0, 0);
      int null_fd = open("/dev/null", O_RDONLY);
      dup2(null_fd, STDIN_FILENO);
      dup2(fds[1], STDOUT_FILENO);
      dup2(fds[1], STDERR_FILENO);
      std::vector<std::string> args = shell;
      if (args[0] == "ssh") {
        args.insert(args.end(), {"-o", "BatchMode=yes", "-o",
                                 "ConnectTimeout=" + std::to_string(timeout_s)});
      }
      args.insert(args.end(), {host, "true"});
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execvp(argv[0], argv.data());
      std::fprintf(stderr, "cannot run %s: %s\n", argv[0], std::strerror(errno));
      _exit(127);
    }
    close(fds[1]);
    if (pid < 0) {
      close(fds[0]);
      problems.push_back({host, "cannot fork to check it"});
      continue;
    }
    probes.push_back({host, pid, fds[0], ""});
  }
  // Read every probe's output until it ends or the time is up.
  double deadline = unixNow() + timeout_s + 2;
  size_t open_count = probes.size();
  while (open_count > 0 && unixNow() < deadline) {
    std::vector<pollfd> fds;
    for (auto& p : probes) fds.push_back({p.fd, static_cast<short>(p.fd >= 0 ? POLLIN : 0), 0});
    poll(fds.data(), fds.size(), 200);
    for (size_t i = 0; i < probes.size(); ++i) {
      if (probes[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      ssize_t n = read(probes[i].fd, buf, sizeof buf);
      if (n > 0 && probes[i].output.size() < 4096) probes[i].output.append(buf, static_cast<size_t>(n));
      if (n == 0 || (n < 0 && errno != EINTR)) {
        close(probes[i].fd);
        probes[i].fd = -1;
        --open_count;
      }
    }
  }
  for (auto& p : probes) {
    int status = 0;
    // A probe that closed its output exits a moment later.
    bool done = waitpid(p.pid, &status, WNOHANG) == p.pid;
    while (!done && unixNow() < deadline) {
      usleep(10 * 1000);
      done = waitpid(p.pid, &status, WNOHANG) == p.pid;
    }
    if (!done) {
      kill(-p.pid, SIGKILL);
      waitpid(p.pid, &status, 0);
    }
    if (p.fd >= 0) close(p.fd);
    if (done && WIFEXITED(status) && WEXITSTATUS(status) == 0) continue;
    std::string why = p.output;
    while (!why.empty() && (why.back() == '\n' || why.back() == '\r')) why.pop_back();
    if (!done) why = "no answer to " + shell[0] + " within " + std::to_string(timeout_s + 2) + " s";
    if (why.empty()) why = shell[0] + " exited with status " + std::to_string(WEXITSTATUS(status));
    problems.push_back({p.host, why});
  }
  return problems;
}

}  // namespace cohort::launcher
