#include "cohort/core/log.h"

#include <atomic>
#include <cstdio>
#include "cohort/core/clock.h"
#include "cohort/core/file_io.h"

namespace cohort::log {

namespace {
// The logger's identity is written once, by cohort::init(), before any other
// thread exists; atomics keep later reads from the comm and watchdog threads safe.
std::atomic<int> rank_{-1};
std::atomic<int> size_{0};
std::atomic<int> level_{static_cast<int>(Level::kInfo)};
std::atomic<int> copy_fd_{-1};

const char* levelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "DEBUG";
    case Level::kInfo:
      return "INFO";
    case Level::kWarn:
      return "WARN";
    case Level::kError:
      return "ERROR";
  }
  return "?";
}
}  // namespace

void setRank(int rank, int size) {
  rank_ = rank;
  size_ = size;
}

void setLevel(Level level) { level_ = static_cast<int>(level); }

int currentRank() { return rank_; }

bool parseLevel(const std::string& text, Level* out) {
  if (text == "debug")
    *out = Level::kDebug;
  else if (text == "info")
    *out = Level::kInfo;
  else if (text == "warn")
    *out = Level::kWarn;
  else if (text == "error")
    *out = Level::kError;
  else
    return false;
  return true;
}

void copyTo(int fd) { copy_fd_ = fd; }

void write(Level level, const std::string& message) {
  if (static_cast<int>(level) < level_) return;
  // One fprintf per line keeps lines from different threads whole.
  if (rank_ >= 0) {
    std::fprintf(stderr, "[cohort %d/%d %s] %s\n", rank_.load(), size_.load(), levelName(level),
                 message.c_str());
  } else {
    std::fprintf(stderr, "[cohort %s] %s\n", levelName(level), message.c_str());
  }
  const int fd = copy_fd_;
  if (fd >= 0) {  // one write(2) per line, so lines from threads stay whole
    writeAll(fd, isoTime(unixNow()) + " " + levelName(level) + " " + message + "\n");
  }
}

}  // namespace cohort::log
