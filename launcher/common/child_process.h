// Note [Child processes]: every program the launcher starts (the engine,
// a rank's program, ssh probes, `X --version`, cohort-upload) is started here,
// so fork, exec and their pitfalls are handled once:
//   - everything the child needs (argv, its environment, /dev/null, pipes) is
//     made before fork, and between fork and exec the child makes only
//     async-signal-safe calls (its environment is switched by assigning
//     `environ`, so execvp searches the PATH the child will have);
//   - every signal is blocked across fork, so no signal reaches the child
//     while it still has the launcher's handlers (which would write into the
//     launcher's SignalPipe); the child sets the signals it is told to back
//     to their default actions, then unblocks;
//   - in its own process group (setpgid in both processes, so there is no
//     moment when the group is missing for killpg), and with a parent-death
//     signal when asked, checked against a parent that already went;
//   - a program that cannot be run says so on the child's stderr and the
//     child exits with 127, as a shell does.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "cohort/core/file_io.h"

namespace cohort::launcher {

// Where one of the child's standard streams goes.
enum class Stream {
  kInherit,     // the launcher's own
  kNull,        // /dev/null
  kPipe,        // a pipe to the launcher (stdinPipe(), takeStdout(), takeStderr())
  kFd,          // a descriptor of the caller's (ChildSpec::*_fd), which it keeps
  kLikeStdout,  // stderr only: wherever stdout goes (one stream of both)
};

struct ChildSpec {
  std::vector<std::string> argv;  // argv[0] is looked up in the PATH (execvp)
  std::vector<std::pair<std::string, std::string>> env;  // set on top of the launcher's
  Stream in = Stream::kInherit;
  Stream out = Stream::kInherit;
  Stream err = Stream::kInherit;
  int in_fd = -1, out_fd = -1, err_fd = -1;  // for Stream::kFd
  bool own_group = true;                     // the child leads a process group of its own
  int parent_death_signal = 0;               // sent to the child when the launcher dies; 0: none
  std::vector<int> default_signals;          // set back to SIG_DFL in the child (ignored ones too)
  bool clear_signal_mask =
      false;  // the program starts with no signal blocked, whatever the launcher's mask
  std::string exec_error_prefix;  // e.g. "cohortrun: " before "cannot run PROGRAM: why"
  std::string exec_error_hint;    // after it, e.g. " (is it installed beside cohortrun?)"
};

// How a child ended: its exit code, or the signal that killed it.
struct ExitStatus {
  int exit_code = -1;  // when it exited; else -1
  int signal = 0;      // when a signal ended it; else 0
};

class ChildProcess {
 public:
  // Starts the child. Throws ConfigError ("cannot start PROGRAM: fork: ...")
  // when it cannot be forked or a pipe cannot be made.
  explicit ChildProcess(const ChildSpec& spec);
  // Closes the launcher's ends of the pipes; neither stops nor waits for the
  // child (its owner decides when it ends).
  ~ChildProcess() = default;
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ChildProcess& operator=(ChildProcess&&) = delete;

  pid_t pid() const { return pid_; }
  // The write end of its stdin (Stream::kPipe); reset() it to send end-of-file.
  UniqueFd& stdinPipe() { return stdin_; }
  // The read ends of its stdout and stderr (Stream::kPipe), handed over.
  UniqueFd takeStdout() { return std::move(stdout_); }
  UniqueFd takeStderr() { return std::move(stderr_); }

  // kill(2) to the child, or killpg(2) to its process group.
  void signal(int signal) const;
  void signalGroup(int signal) const;

  // True once the child has ended (reaping it without waiting).
  bool poll();
  // Waits until it has ended.
  ExitStatus wait();
  // How it ended; only meaningful once poll() or wait() saw it end.
  ExitStatus status() const { return status_; }

 private:
  pid_t pid_ = -1;
  bool ended_ = false;
  ExitStatus status_;
  UniqueFd stdin_, stdout_, stderr_;
};

}  // namespace cohort::launcher
