// TensorBoard event files: LOGS/tensorboard/events.out.tfevents.<unix time>.<host>.
//
// The file is a sequence of TFRecords, each
//   uint64 length (little-endian) | uint32 masked CRC-32C of those 8 bytes |
//   `length` bytes of data | uint32 masked CRC-32C of the data,
// and each record's data is one tensorflow.Event protobuf, encoded here by
// hand (ProtoEncoder): wall_time = 1 (double), step = 2 (int64),
// file_version = 3 (string) or summary = 5 (Summary { repeated Value value = 1 },
// Value { tag = 1 (string), simple_value = 2 (float) }). The first event
// carries file_version "brain.Event:2", as TensorBoard expects.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace cohort::runlog {

class TensorBoardWriter {
 public:
  // Creates `dir` if needed and a new event file in it. A ConfigError when
  // the folder cannot be written.
  explicit TensorBoardWriter(const std::string& dir);
  ~TensorBoardWriter();
  TensorBoardWriter(const TensorBoardWriter&) = delete;
  TensorBoardWriter& operator=(const TensorBoardWriter&) = delete;

  // One event at `step` with a scalar per (tag, value); written and flushed.
  void addScalars(const std::vector<std::pair<std::string, double>>& scalars, int64_t step);
  void addScalar(const std::string& tag, double value, int64_t step) {
    addScalars({{tag, value}}, step);
  }

  const std::string& path() const { return path_; }

  // The TFRecord framing of `data` (see above).
  static std::string frameRecord(const std::string& data);
  // An Event with a Summary of simple values.
  static std::string scalarEvent(double wall_time, int64_t step,
                                 const std::vector<std::pair<std::string, double>>& scalars);

 private:
  void writeRecord(const std::string& data);

  std::string path_;
  std::FILE* file_ = nullptr;
};

}  // namespace cohort::runlog
