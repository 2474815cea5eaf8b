#include "common/output_pump.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

namespace cohort::launcher {

namespace {

constexpr size_t kChunk = 65536;

}  // namespace

void OutputPump::add(UniqueFd fd, OnLine on_line) {
  sources_.push_back({std::move(fd), LineBuffer(), std::move(on_line)});
}

size_t OutputPump::openCount() const {
  size_t open = 0;
  for (const auto& s : sources_) open += s.fd.fd >= 0 ? 1 : 0;
  return open;
}

void OutputPump::close(Source& source) {
  source.lines.finish(source.on_line);
  source.fd.reset();
}

bool OutputPump::pump(int timeout_ms, int wake_fd) {
  // A closed stream stays in the set with fd -1, which poll() skips.
  std::vector<pollfd> fds;
  for (const auto& s : sources_) fds.push_back({s.fd.fd, POLLIN, 0});
  if (wake_fd >= 0) fds.push_back({wake_fd, POLLIN, 0});
  const int ready = poll(fds.data(), fds.size(), timeout_ms);
  if (ready < 0) return errno == EINTR;
  for (size_t i = 0; i < sources_.size(); ++i) {
    Source& s = sources_[i];
    if (s.fd.fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    char buf[kChunk];
    const ssize_t n = read(s.fd.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close(s);
    } else {
      s.lines.append(buf, static_cast<size_t>(n), s.on_line);
    }
  }
  return true;
}

void OutputPump::finish() {
  for (auto& s : sources_) {
    if (s.fd.fd >= 0) s.fd.reset();
    s.lines.finish(s.on_line);
  }
}

}  // namespace cohort::launcher
