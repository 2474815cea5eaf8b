#include "cohort/runlog/timeline.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "cohort/core/error.h"
#include "cohort/core/file_io.h"
#include "cohort/core/json.h"
#include "cohort/core/log.h"

namespace cohort::runlog {

namespace {

constexpr auto kFlushEvery = std::chrono::seconds(1);

std::string metadata(const char* what, int pid, int tid, const std::string& name) {
  OrderedJson event;
  event["name"] = what;
  event["ph"] = "M";
  event["pid"] = pid;
  event["tid"] = tid;
  event["args"] = {{"name", name}};
  return jsonText(event);
}

}  // namespace

Timeline::Timeline(const std::string& path, int rank, int64_t max_bytes)
    : path_(path), rank_(rank), max_bytes_(max_bytes) {
  std::error_code error;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, error);
  file_ = fopenToWrite(path, /*append=*/false);
  if (!file_) {
    throw ConfigError(
        "cannot create the timeline: " + openToWriteProblem(path, errno),
        "set COHORT_LOGS_DIR to a folder this user can write, or COHORT_TIMELINE=off");
  }
  steady_base_ = Clock::now();
  last_flush_ = steady_base_;
  unix_base_us_ = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  std::fputs("[\n", file_);
  std::lock_guard<std::mutex> lock(mutex_);
  append(metadata("process_name", rank, 0, "rank " + std::to_string(rank)));
  append(metadata("thread_name", rank, kTrain, "train"));
  append(metadata("thread_name", rank, kAllreduce, "allreduce"));
  append(metadata("thread_name", rank, kCheckpoint, "checkpoint"));
}

Timeline::~Timeline() { close(); }

int64_t Timeline::microseconds(Clock::time_point t) const {
  return unix_base_us_ +
         std::chrono::duration_cast<std::chrono::microseconds>(t - steady_base_).count();
}

void Timeline::complete(const std::string& name, int track, Clock::time_point start,
                        Clock::time_point end) {
  complete(name, track, start, end, nlohmann::json());
}

void Timeline::complete(const std::string& name, int track, Clock::time_point start,
                        Clock::time_point end, const nlohmann::json& args) {
  const int64_t ts = microseconds(start);
  OrderedJson event;
  event["name"] = name;
  event["ph"] = "X";
  event["pid"] = rank_;
  event["tid"] = track;
  event["ts"] = ts;
  event["dur"] = std::max<int64_t>(0, microseconds(end) - ts);
  if (args.is_object() && !args.empty()) event["args"] = args;
  const std::string text = jsonText(event);
  std::lock_guard<std::mutex> lock(mutex_);
  append(text);
}

void Timeline::append(const std::string& event) {
  if (!file_ || full_) return;
  if (bytes_ + static_cast<int64_t>(event.size()) > max_bytes_) {
    full_ = true;
    log::warn("the timeline " + path_ + " reached its limit of " + std::to_string(max_bytes_) +
              " bytes; later steps are not recorded (raise COHORT_TIMELINE_MAX_MB)");
    return;
  }
  if (!first_) std::fputs(",\n", file_);
  first_ = false;
  std::fputs(event.c_str(), file_);
  bytes_ += static_cast<int64_t>(event.size()) + 2;
  const auto now = Clock::now();
  if (now - last_flush_ >= kFlushEvery) {
    std::fflush(file_);
    last_flush_ = now;
  }
}

void Timeline::close() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!file_) return;
  std::fputs("\n]\n", file_);
  std::fclose(file_);  // destructors never throw: a failed close loses only the tail
  file_ = nullptr;
}

}  // namespace cohort::runlog
