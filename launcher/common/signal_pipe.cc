#include "common/signal_pipe.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include "cohort/core/error.h"

namespace cohort::launcher {

namespace {

// The pipe's write end, for the handler. A signal handler can reach nothing
// but process-wide state; this is the one such variable (SignalPipe allows
// one instance per process).
volatile sig_atomic_t g_write_fd = -1;
int g_read_fd = -1;

void onSignal(int signal) {
  int saved = errno;
  unsigned char byte = static_cast<unsigned char>(signal);
  if (g_write_fd >= 0) {
    ssize_t ignored = write(g_write_fd, &byte, 1);  // a full pipe drops the byte: fine
    (void)ignored;
  }
  errno = saved;
}

}  // namespace

SignalPipe::SignalPipe(const std::vector<int>& signals) : signals_(signals) {
  COHORT_CHECK(g_read_fd < 0, Error, "a second SignalPipe in one process", "create one");
  int fds[2];
  COHORT_CHECK(pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0, Error, "pipe2 failed", "");
  g_read_fd = fds[0];
  g_write_fd = fds[1];
  struct sigaction action {};
  action.sa_handler = onSignal;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  for (int s : signals_) sigaction(s, &action, nullptr);
}

SignalPipe::~SignalPipe() {
  for (int s : signals_) signal(s, SIG_DFL);
  close(g_write_fd);
  close(g_read_fd);
  g_write_fd = -1;
  g_read_fd = -1;
}

int SignalPipe::fd() const { return g_read_fd; }

std::vector<int> SignalPipe::take() {
  std::vector<int> out;
  unsigned char buf[64];
  ssize_t n;
  while ((n = read(g_read_fd, buf, sizeof buf)) > 0) out.insert(out.end(), buf, buf + n);
  return out;
}

}  // namespace cohort::launcher
