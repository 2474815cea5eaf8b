#include "common/child_process.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <utility>

#include "cohort/core/error.h"

extern char** environ;

namespace cohort::launcher {

namespace {

// Everything the child needs, made before fork (See Note [Child processes]).
struct Prepared {
  std::vector<char*> argv;
  std::vector<std::string> env_text;  // NAME=VALUE, the child's whole environment
  std::vector<char*> envp;
  UniqueFd null_fd;                         // /dev/null, when a stream goes there
  UniqueFd in_child, out_child, err_child;  // the child's ends of the pipes
  int in = -1, out = -1, err = -1;          // what becomes the child's 0, 1 and 2; -1: keep
  bool err_like_out = false;
};

[[noreturn]] void cannotStart(const std::string& program, const char* what) {
  throw ConfigError("cannot start " + program + ": " + what + ": " + std::strerror(errno),
                    "free some memory or processes and try again");
}

// The launcher's environment with `changes` set (replaced or added).
std::vector<std::string> environmentWith(
    const std::vector<std::pair<std::string, std::string>>& changes) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    bool changed = false;
    for (const auto& change : changes) changed |= change.first == name;
    if (!changed) env.push_back(entry);
  }
  for (const auto& [name, value] : changes) env.push_back(name + "=" + value);
  return env;
}

// The descriptor for one stream of the child; makes a pipe when asked, the
// launcher's end going to *ours.
int streamFd(const std::string& program, Stream how, int given, bool child_reads, Prepared& p,
             UniqueFd* child_end, UniqueFd* ours) {
  switch (how) {
    case Stream::kInherit:
    case Stream::kLikeStdout:
      return -1;
    case Stream::kNull:
      if (p.null_fd.fd < 0) p.null_fd = UniqueFd(open("/dev/null", O_RDWR | O_CLOEXEC));
      if (p.null_fd.fd < 0) cannotStart(program, "open /dev/null");
      return p.null_fd.fd;
    case Stream::kFd:
      return given;
    case Stream::kPipe: {
      int fds[2];
      if (pipe2(fds, O_CLOEXEC) != 0) cannotStart(program, "pipe");
      *child_end = UniqueFd(child_reads ? fds[0] : fds[1]);
      *ours = UniqueFd(child_reads ? fds[1] : fds[0]);
      return child_end->fd;
    }
  }
  return -1;
}

// ---- in the child, between fork and exec: async-signal-safe calls only ----

void writeText(const char* text) { writeAll(STDERR_FILENO, text, std::strlen(text)); }

// Makes `from` the child's descriptor `to` (open across exec).
void moveTo(int from, int to) {
  if (from < 0) return;
  if (from == to) {
    fcntl(to, F_SETFD, 0);  // dup2 onto itself would leave close-on-exec set
  } else {
    dup2(from, to);
  }
}

[[noreturn]] void execChild(const ChildSpec& spec, Prepared& p, pid_t parent,
                            const sigset_t& mask) {
  if (spec.own_group) setpgid(0, 0);
  if (spec.parent_death_signal != 0) {
    prctl(PR_SET_PDEATHSIG, spec.parent_death_signal);
    if (getppid() != parent) _exit(127);  // the launcher went before prctl took hold
  }
  for (int s : spec.default_signals) ::signal(s, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, spec.clear_signal_mask ? &none : &mask, nullptr);
  moveTo(p.in, STDIN_FILENO);
  moveTo(p.out, STDOUT_FILENO);
  if (p.err_like_out) {
    dup2(STDOUT_FILENO, STDERR_FILENO);
  } else {
    moveTo(p.err, STDERR_FILENO);
  }
  environ = p.envp.data();
  execvp(p.argv[0], p.argv.data());
  const int exec_errno = errno;
  const char* why = strerror(exec_errno);
  writeText(spec.exec_error_prefix.c_str());
  writeText("cannot run ");
  writeText(p.argv[0]);
  writeText(": ");
  writeText(why);
  // The hint is about a missing or unusable program, which E2BIG is not.
  if (exec_errno == E2BIG) {
    writeText(
        " (an argument, or all of them with the environment, is longer than the "
        "system allows: 128 KiB for one argument; pass long values in a file)");
  } else {
    writeText(spec.exec_error_hint.c_str());
  }
  writeText("\n");
  _exit(127);
}

}  // namespace

ChildProcess::ChildProcess(const ChildSpec& spec) {
  COHORT_CHECK(!spec.argv.empty(), Error, "ChildProcess without a program", "");
  const std::string& program = spec.argv[0];
  Prepared p;
  for (const auto& a : spec.argv) p.argv.push_back(const_cast<char*>(a.c_str()));
  p.argv.push_back(nullptr);
  p.env_text = environmentWith(spec.env);
  for (auto& e : p.env_text) p.envp.push_back(e.data());
  p.envp.push_back(nullptr);
  p.in = streamFd(program, spec.in, spec.in_fd, true, p, &p.in_child, &stdin_);
  p.out = streamFd(program, spec.out, spec.out_fd, false, p, &p.out_child, &stdout_);
  p.err = streamFd(program, spec.err, spec.err_fd, false, p, &p.err_child, &stderr_);
  p.err_like_out = spec.err == Stream::kLikeStdout;

  const pid_t parent = getpid();
  sigset_t all, previous;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &previous);
  pid_ = fork();
  if (pid_ == 0) execChild(spec, p, parent, previous);
  const int fork_errno = errno;
  if (pid_ > 0 && spec.own_group) setpgid(pid_, pid_);  // also here: see Note [Child processes]
  sigprocmask(SIG_SETMASK, &previous, nullptr);
  if (pid_ < 0) {
    errno = fork_errno;
    cannotStart(program, "fork");
  }
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      ended_(other.ended_),
      status_(other.status_),
      stdin_(std::move(other.stdin_)),
      stdout_(std::move(other.stdout_)),
      stderr_(std::move(other.stderr_)) {}

void ChildProcess::signal(int signal) const {
  if (pid_ > 0) kill(pid_, signal);
}

void ChildProcess::signalGroup(int signal) const {
  if (pid_ > 0) killpg(pid_, signal);
}

namespace {

ExitStatus decode(int status) {
  ExitStatus s;
  if (WIFEXITED(status)) s.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) s.signal = WTERMSIG(status);
  return s;
}

}  // namespace

bool ChildProcess::poll() {
  if (ended_ || pid_ <= 0) return ended_;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
  ended_ = true;
  status_ = decode(status);
  return true;
}

ExitStatus ChildProcess::wait() {
  if (ended_ || pid_ <= 0) return status_;
  int status = 0;
  pid_t got;
  while ((got = waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {
  }
  ended_ = true;
  if (got == pid_) status_ = decode(status);
  return status_;
}

}  // namespace cohort::launcher
