// Signals turned into bytes on a pipe, so a poll() loop can wait for output,
// child exits (SIGCHLD) and SIGINT/SIGTERM together without racing.
#pragma once

#include <vector>

namespace cohort::launcher {

class SignalPipe {
 public:
  // Catches `signals` (SA_RESTART) from now on. One SignalPipe per process.
  explicit SignalPipe(const std::vector<int>& signals);
  ~SignalPipe();  // restores the default actions
  SignalPipe(const SignalPipe&) = delete;
  SignalPipe& operator=(const SignalPipe&) = delete;

  // The read end, for poll(): readable when a signal has arrived.
  int fd() const;
  // The signals that arrived since the last call, in order.
  std::vector<int> take();

 private:
  std::vector<int> signals_;
};

}  // namespace cohort::launcher
