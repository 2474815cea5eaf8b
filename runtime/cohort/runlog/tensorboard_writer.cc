#include "cohort/runlog/tensorboard_writer.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "cohort/core/clock.h"
#include "cohort/core/error.h"
#include "cohort/core/file_io.h"
#include "cohort/core/host_name.h"
#include "cohort/runlog/crc32c.h"
#include "cohort/runlog/proto_encoder.h"

namespace cohort::runlog {

namespace {

// tensorflow.Event and tensorflow.Summary field numbers (see the header).
constexpr int kEventWallTime = 1;
constexpr int kEventStep = 2;
constexpr int kEventFileVersion = 3;
constexpr int kEventSummary = 5;
constexpr int kSummaryValue = 1;
constexpr int kValueTag = 1;
constexpr int kValueSimpleValue = 2;

void appendLittleEndian(std::string* out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

}  // namespace

std::string TensorBoardWriter::frameRecord(const std::string& data) {
  std::string record;
  appendLittleEndian(&record, data.size(), 8);
  appendLittleEndian(&record, maskCrc32c(crc32c(record.data(), 8)), 4);
  record += data;
  appendLittleEndian(&record, maskCrc32c(crc32c(data.data(), data.size())), 4);
  return record;
}

std::string TensorBoardWriter::scalarEvent(
    double wall_time, int64_t step, const std::vector<std::pair<std::string, double>>& scalars) {
  ProtoEncoder summary;
  for (const auto& [tag, value] : scalars) {
    ProtoEncoder v;
    v.bytesField(kValueTag, tag).floatField(kValueSimpleValue, static_cast<float>(value));
    summary.bytesField(kSummaryValue, v.bytes());
  }
  ProtoEncoder event;
  event.doubleField(kEventWallTime, wall_time)
      .varintField(kEventStep, static_cast<uint64_t>(step))
      .bytesField(kEventSummary, summary.bytes());
  return event.bytes();
}

TensorBoardWriter::TensorBoardWriter(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  const double now = unixNow();
  path_ = dir + "/events.out.tfevents." + std::to_string(static_cast<long long>(now)) + "." +
          hostName();
  file_ = fopenToWrite(path_, /*append=*/false);
  if (!file_) {
    throw ConfigError(
        "cannot create the TensorBoard event file: " + openToWriteProblem(path_, errno),
        "set COHORT_LOGS_DIR to a folder this user can write");
  }
  ProtoEncoder first;
  first.doubleField(kEventWallTime, now).bytesField(kEventFileVersion, "brain.Event:2");
  writeRecord(first.bytes());
}

TensorBoardWriter::~TensorBoardWriter() {
  if (file_) std::fclose(file_);
}

void TensorBoardWriter::addScalars(const std::vector<std::pair<std::string, double>>& scalars,
                                   int64_t step) {
  writeRecord(scalarEvent(unixNow(), step, scalars));
}

void TensorBoardWriter::writeRecord(const std::string& data) {
  const std::string record = frameRecord(data);
  if (std::fwrite(record.data(), 1, record.size(), file_) != record.size() ||
      std::fflush(file_) != 0) {
    throw Error("cannot write the TensorBoard event file " + path_ + ": " + std::strerror(errno),
                "free space on the logs folder's disk, or set COHORT_LOGS_DIR elsewhere");
  }
}

}  // namespace cohort::runlog
