// Cuts a byte stream (a pipe from a rank or an engine) into lines. A line
// longer than kMaxLine is passed on in pieces, so one endless line cannot
// grow memory without bound.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace cohort::launcher {

class LineBuffer {
 public:
  using Emit = std::function<void(const std::string& line)>;
  static constexpr size_t kMaxLine = 64 * 1024;

  // Emits every complete line in `data` (without its '\n'; a '\r' before it
  // is dropped too) and keeps the rest for the next call.
  void append(const char* data, size_t size, const Emit& emit);
  // Emits what is left (a last line without '\n'), if anything.
  void finish(const Emit& emit);

 private:
  std::string pending_;
};

}  // namespace cohort::launcher
