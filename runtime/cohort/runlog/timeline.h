// A per-rank timeline in the Chrome trace-event JSON format
// (LOGS/timeline/rank-N.json), which Perfetto (ui.perfetto.dev) and
// chrome://tracing open: a JSON array of "X" (complete) events, each
//   {"name":"backward","ph":"X","pid":RANK,"tid":TRACK,"ts":µs,"dur":µs,"args":{...}}
// plus "M" metadata events naming the process ("rank N") and its tracks.
// ts is microseconds since the Unix epoch, so the files of several ranks
// line up when opened together.
//
// The file is flushed at most a second after an event and closed (the final
// ']') by close() or the destructor, which also runs when the program ends
// by an exception. (A file cut short by kill -9 lacks only the ']', which
// Perfetto and chrome://tracing accept.) Thread-safe: Reducer's bucket
// callbacks come from the thread that ends backward.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace cohort::runlog {

class Timeline {
 public:
  using Clock = std::chrono::steady_clock;
  // Tracks ("threads" in the trace) of one rank.
  enum Track : int { kTrain = 0, kAllreduce = 1, kCheckpoint = 2 };

  // Creates `path` (and its folder). Stops recording, with one warning, once
  // the file reaches `max_bytes`. A ConfigError when the file cannot be made.
  Timeline(const std::string& path, int rank, int64_t max_bytes);
  ~Timeline();
  Timeline(const Timeline&) = delete;
  Timeline& operator=(const Timeline&) = delete;

  // A span on `track` between two steady-clock times, with `args` (an object,
  // e.g. {{"bytes", 4096}}) as the event's "args".
  void complete(const std::string& name, int track, Clock::time_point start, Clock::time_point end);
  void complete(const std::string& name, int track, Clock::time_point start, Clock::time_point end,
                const nlohmann::json& args);
  // Writes the closing ']' and closes the file; later events are dropped.
  void close();

  const std::string& path() const { return path_; }

  // Records [construction, destruction) as one span on the train track.
  class Span {
   public:
    Span(Timeline* timeline, std::string name, int track = kTrain)
        : timeline_(timeline), name_(std::move(name)), track_(track), start_(Clock::now()) {}
    ~Span() {
      if (timeline_) timeline_->complete(name_, track_, start_, Clock::now());
    }
    Span(const Span&) = delete;
    Span& operator=(const Span&) = delete;

   private:
    Timeline* timeline_;
    std::string name_;
    int track_;
    Clock::time_point start_;
  };

 private:
  int64_t microseconds(Clock::time_point t) const;
  void append(const std::string& event);  // with the lock held

  std::string path_;
  int rank_;
  int64_t max_bytes_;
  int64_t unix_base_us_;  // Unix time of steady_base_, in µs
  Clock::time_point steady_base_;
  std::mutex mutex_;
  std::FILE* file_ = nullptr;
  int64_t bytes_ = 0;
  bool first_ = true;
  bool full_ = false;
  Clock::time_point last_flush_;
};

}  // namespace cohort::runlog
