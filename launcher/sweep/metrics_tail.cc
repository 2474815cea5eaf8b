#include "sweep/metrics_tail.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "cohort/core/file_io.h"
#include "cohort/sweep/metrics_line.h"

namespace cohort::sweep_tool {
namespace {

const char* kindOf(mode_t mode) {
  if (S_ISFIFO(mode)) return "a named pipe (FIFO)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISDIR(mode)) return "a folder";
  return "not a regular file";
}

}  // namespace

MetricsTail::MetricsTail(std::string path, std::string metric)
    : path_(std::move(path)), metric_(std::move(metric)) {}

std::vector<sweep::MetricPoint> MetricsTail::pollToEnd() {
  // Each poll reads at most kPollBytes: read on until the end seen at the start.
  struct stat st {};
  const int64_t end = ::stat(path_.c_str(), &st) == 0 ? st.st_size : 0;
  std::vector<sweep::MetricPoint> points;
  for (int64_t before = -1; problem_.empty() && read_at_ < end && read_at_ != before;) {
    before = read_at_;  // a poll that reads nothing (a file cut short meanwhile) ends it
    const auto more = poll();
    points.insert(points.end(), more.begin(), more.end());
  }
  return points;
}

void MetricsTail::skipToEnd() {
  pollToEnd();
  skipped_ = 0;
  last_skip_.clear();
}

void MetricsTail::skip(const std::string& why) {
  ++skipped_;
  last_skip_ = "line " + std::to_string(line_) + ": " + why;
}

std::vector<sweep::MetricPoint> MetricsTail::poll() {
  std::vector<sweep::MetricPoint> points;
  if (!problem_.empty()) return points;
  // See Note [Following a trial's file]: the type is checked before open(),
  // which would block on a FIFO, and again on what was opened.
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) return points;
  if (!S_ISREG(st.st_mode)) {
    problem_ = path_ + " is " + kindOf(st.st_mode) + ", not a regular file";
    return points;
  }
  UniqueFd file{::open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)};
  if (file.fd < 0 || ::fstat(file.fd, &st) != 0) return points;
  if (!S_ISREG(st.st_mode)) {
    problem_ = path_ + " is " + kindOf(st.st_mode) + ", not a regular file";
    return points;
  }
  if (st.st_size < read_at_) {  // replaced by a shorter file: read it again
    read_at_ = 0;
    pending_.clear();
    scanned_ = 0;
    dropping_ = false;
  }
  char buffer[1 << 16];
  int64_t budget = kPollBytes;
  while (budget > 0) {
    const ssize_t n = ::pread(
        file.fd, buffer, static_cast<size_t>(std::min<int64_t>(sizeof buffer, budget)), read_at_);
    if (n <= 0) break;
    read_at_ += n;
    budget -= n;
    const char* data = buffer;
    size_t size = static_cast<size_t>(n);
    while (size > 0) {
      if (dropping_) {  // the rest of an overlong line: up to its newline
        const auto* newline = static_cast<const char*>(std::memchr(data, '\n', size));
        if (!newline) break;
        dropping_ = false;
        size -= static_cast<size_t>(newline + 1 - data);
        data = newline + 1;
        continue;
      }
      const size_t room = static_cast<size_t>(kMaxLine) + 1 - pending_.size();
      const size_t take = std::min(size, room);
      pending_.append(data, take);
      data += take;
      size -= take;
      takeLines(&points);
      if (pending_.size() > static_cast<size_t>(kMaxLine)) {  // no newline within kMaxLine
        ++line_;
        skip("longer than " + std::to_string(kMaxLine) + " bytes");
        pending_.clear();
        scanned_ = 0;
        dropping_ = true;
      }
    }
  }
  return points;
}

// The whole lines at the front of pending_, parsed and removed.
void MetricsTail::takeLines(std::vector<sweep::MetricPoint>* points) {
  size_t begin = 0;
  for (size_t end; (end = pending_.find('\n', std::max(begin, scanned_))) != std::string::npos;
       begin = end + 1) {
    ++line_;
    if (end == begin) continue;  // an empty line
    const auto line = sweep::parseMetricsLine(pending_.substr(begin, end - begin), metric_);
    if (line.kind == sweep::MetricsLine::Kind::kPoint) points->push_back(line.point);
    if (line.kind == sweep::MetricsLine::Kind::kBad) skip(line.problem);
  }
  pending_.erase(0, begin);
  scanned_ = pending_.size();
}

}  // namespace cohort::sweep_tool
