// Copies the output of child processes line by line: the one poll loop the
// supervisor (the engine's stdout and stderr), the rank agent (its program's)
// and the ssh probes are built on. Each turn waits for output or for a wake
// descriptor (a SignalPipe), reads one chunk from every stream that has
// some, and hands on every complete line; the caller does the rest of its
// loop (timers, signals, reaping) between turns.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cohort/core/file_io.h"
#include "common/line_buffer.h"

namespace cohort::launcher {

class OutputPump {
 public:
  using OnLine = std::function<void(const std::string& line)>;

  // Reads `fd` until its end, calling `on_line` for each line (LineBuffer's).
  void add(UniqueFd fd, OnLine on_line);
  // The streams not yet at their end.
  size_t openCount() const;
  // One turn: waits up to `timeout_ms` for output on the open streams or for
  // `wake_fd` (-1: none) to become readable, then reads and hands on. A
  // stream at its end hands on its last partial line and is closed. False
  // when poll() failed for another reason than a signal.
  bool pump(int timeout_ms, int wake_fd = -1);
  // Hands on what is left of every stream and closes them.
  void finish();

 private:
  struct Source {
    UniqueFd fd;
    LineBuffer lines;
    OnLine on_line;
  };
  void close(Source& source);

  std::vector<Source> sources_;
};

}  // namespace cohort::launcher
