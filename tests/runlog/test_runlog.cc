// runtime/runlog without a server: CRC-32C against published vectors, the
// TFRecord framing and protobuf bytes of TensorBoard events, metrics.jsonl
// lines, the timeline's JSON (also when a scope ends by an exception), and
// the upload state file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "cohort/core/error.h"
#include "cohort/runlog/crc32c.h"
#include "cohort/runlog/metrics_log.h"
#include "cohort/runlog/proto_encoder.h"
#include "cohort/runlog/tensorboard_writer.h"
#include "cohort/runlog/timeline.h"
#include "cohort/storage/upload_state.h"
#include "cohort/storage/uploader.h"

namespace cohort::runlog {
namespace {

namespace fs = std::filesystem;

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class TempDir {
 public:
  TempDir() {
    char name[] = "/tmp/cohort_runlog_XXXXXX";
    path_ = mkdtemp(name);
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

uint64_t readLittleEndian(const std::string& bytes, size_t at, int count) {
  uint64_t value = 0;
  for (int i = count - 1; i >= 0; --i)
    value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
  return value;
}

TEST(Crc32c, MatchesPublishedVectors) {
  // The check value of CRC-32C, and the iSCSI test vectors of RFC 3720 (B.4).
  EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);
  std::string zeros(32, '\0'), ones(32, '\xff'), ascending(32, '\0'), descending(32, '\0');
  for (int i = 0; i < 32; ++i) {
    ascending[i] = static_cast<char>(i);
    descending[i] = static_cast<char>(31 - i);
  }
  EXPECT_EQ(crc32c(zeros.data(), 32), 0x8A9136AAu);
  EXPECT_EQ(crc32c(ones.data(), 32), 0x62A8AB43u);
  EXPECT_EQ(crc32c(ascending.data(), 32), 0x46DD794Eu);
  EXPECT_EQ(crc32c(descending.data(), 32), 0x113FDB5Cu);
  EXPECT_EQ(crc32c("", 0), 0u);
}

TEST(Crc32c, MaskRotatesAndAddsTheConstant) {
  EXPECT_EQ(maskCrc32c(0), 0xA282EAD8u);
  // ((x >> 15) | (x << 17)) + 0xA282EAD8 for x = 0xE3069283.
  const uint32_t x = 0xE3069283u;
  EXPECT_EQ(maskCrc32c(x), static_cast<uint32_t>(((x >> 15) | (x << 17)) + 0xA282EAD8u));
  EXPECT_NE(maskCrc32c(x), x);
}

TEST(ProtoEncoder, WritesTheWireFormat) {
  // The protobuf documentation's example: field 1 = 150 is 08 96 01.
  ProtoEncoder e;
  e.varintField(1, 150);
  EXPECT_EQ(e.bytes(), std::string("\x08\x96\x01", 3));
  ProtoEncoder s;
  s.bytesField(2, "testing");
  EXPECT_EQ(s.bytes(), std::string("\x12\x07testing", 9));
  ProtoEncoder f;
  f.floatField(2, 1.0f).doubleField(1, 2.0);
  EXPECT_EQ(f.bytes(), std::string("\x15\x00\x00\x80\x3f\x09\x00\x00\x00\x00\x00\x00\x00\x40", 14));
}

TEST(TensorBoardWriter, FramesEachRecordWithMaskedCrcs) {
  const std::string data = "some event bytes";
  const std::string record = TensorBoardWriter::frameRecord(data);
  ASSERT_EQ(record.size(), 8 + 4 + data.size() + 4);
  EXPECT_EQ(readLittleEndian(record, 0, 8), data.size());
  EXPECT_EQ(readLittleEndian(record, 8, 4), maskCrc32c(crc32c(record.data(), 8)));
  EXPECT_EQ(record.substr(12, data.size()), data);
  EXPECT_EQ(readLittleEndian(record, 12 + data.size(), 4),
            maskCrc32c(crc32c(data.data(), data.size())));
}

TEST(TensorBoardWriter, EncodesAScalarEvent) {
  const std::string event = TensorBoardWriter::scalarEvent(2.0, 7, {{"loss", 1.0}});
  // wall_time (1, double) 2.0; step (2, varint) 7; summary (5) { value (1) { tag (1) "loss";
  // simple_value (2) 1.0f } }
  const std::string want(
      "\x09\x00\x00\x00\x00\x00\x00\x00\x40\x10\x07\x2a\x0d\x0a\x0b\x0a\x04loss\x15\x00\x00\x80"
      "\x3f",
      26);
  EXPECT_EQ(event, want);
}

TEST(TensorBoardWriter, WritesFileVersionFirstThenScalars) {
  TempDir dir;
  std::string path;
  {
    TensorBoardWriter writer(dir.path() + "/tb");
    path = writer.path();
    writer.addScalar("loss", 0.5, 1);
    writer.addScalars({{"loss", 0.25}, {"lr", 0.1}}, 2);
  }
  EXPECT_NE(fs::path(path).filename().string().find("events.out.tfevents."), std::string::npos);
  const std::string bytes = readFile(path);
  size_t at = 0;
  int records = 0;
  std::string first;
  while (at < bytes.size()) {
    ASSERT_LE(at + 12, bytes.size());
    const uint64_t length = readLittleEndian(bytes, at, 8);
    ASSERT_EQ(readLittleEndian(bytes, at + 8, 4), maskCrc32c(crc32c(bytes.data() + at, 8)));
    ASSERT_LE(at + 16 + length, bytes.size());
    const std::string data = bytes.substr(at + 12, length);
    ASSERT_EQ(readLittleEndian(bytes, at + 12 + length, 4),
              maskCrc32c(crc32c(data.data(), data.size())));
    if (records == 0) first = data;
    at += 16 + length;
    ++records;
  }
  EXPECT_EQ(records, 3);
  EXPECT_NE(first.find("brain.Event:2"), std::string::npos);
}

TEST(TensorBoardWriter, RefusesAnUnwritableFolder) {
  EXPECT_THROW(TensorBoardWriter("/proc/cohort-no-such/tb"), cohort::ConfigError);
}

TEST(MetricsLog, WritesOneJsonObjectPerStep) {
  TempDir dir;
  const std::string path = dir.path() + "/logs/metrics.jsonl";
  {
    MetricsLog log(path);
    StepMetrics m{3, 1, 0.5, 0.01, 1000, 0.002, 0.003, 0.25, {}};
    m.extra.emplace_back("grad_norm", 1.5);
    log.write(m);
    m.step = 4;
    m.loss = std::nan("");
    log.write(m);
  }
  {
    MetricsLog again(path);  // appends: a resumed run continues the file
    StepMetrics m;
    m.step = 5;
    again.write(m);
  }
  std::ifstream in(path);
  std::string line;
  std::vector<nlohmann::json> rows;
  while (std::getline(in, line)) rows.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["step"], 3);
  EXPECT_EQ(rows[0]["epoch"], 1);
  EXPECT_DOUBLE_EQ(rows[0]["loss"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(rows[0]["lr"].get<double>(), 0.01);
  EXPECT_DOUBLE_EQ(rows[0]["samples_per_s"].get<double>(), 1000);
  EXPECT_DOUBLE_EQ(rows[0]["data_wait_s"].get<double>(), 0.002);
  EXPECT_DOUBLE_EQ(rows[0]["comm_s"].get<double>(), 0.003);
  EXPECT_DOUBLE_EQ(rows[0]["checkpoint_blocked_s"].get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(rows[0]["grad_norm"].get<double>(), 1.5);
  EXPECT_GT(rows[0]["time"].get<double>(), 1.6e9);
  EXPECT_TRUE(rows[1]["loss"].is_null());
  EXPECT_EQ(rows[2]["step"], 5);
}

nlohmann::json eventsNamed(const nlohmann::json& trace, const std::string& name) {
  nlohmann::json found = nlohmann::json::array();
  for (const auto& e : trace) {
    if (e["name"] == name) found.push_back(e);
  }
  return found;
}

TEST(Timeline, WritesCompleteEventsAsValidJson) {
  TempDir dir;
  const std::string path = dir.path() + "/timeline/rank-1.json";
  {
    Timeline timeline(path, 1, 1 << 20);
    { Timeline::Span span(&timeline, "forward"); }
    const auto start = Timeline::Clock::now();
    timeline.complete("allreduce bucket 0", Timeline::kAllreduce, start,
                      start + std::chrono::milliseconds(3), nlohmann::json{{"bytes", 4096}});
  }
  const auto trace = nlohmann::json::parse(readFile(path));
  ASSERT_TRUE(trace.is_array());
  const auto forward = eventsNamed(trace, "forward");
  ASSERT_EQ(forward.size(), 1u);
  EXPECT_EQ(forward[0]["ph"], "X");
  EXPECT_EQ(forward[0]["pid"], 1);
  EXPECT_EQ(forward[0]["tid"], Timeline::kTrain);
  EXPECT_GT(forward[0]["ts"].get<int64_t>(), int64_t{1600000000} * 1000000);
  const auto bucket = eventsNamed(trace, "allreduce bucket 0");
  ASSERT_EQ(bucket.size(), 1u);
  EXPECT_EQ(bucket[0]["dur"], 3000);
  EXPECT_EQ(bucket[0]["tid"], Timeline::kAllreduce);
  EXPECT_EQ(bucket[0]["args"]["bytes"], 4096);
  EXPECT_EQ(eventsNamed(trace, "process_name").at(0)["args"]["name"], "rank 1");
}

TEST(Timeline, IsClosedWhenTheProgramEndsByAnException) {
  TempDir dir;
  const std::string path = dir.path() + "/rank-0.json";
  try {
    Timeline timeline(path, 0, 1 << 20);
    Timeline::Span span(&timeline, "backward");
    throw std::runtime_error("a failing step");
  } catch (const std::runtime_error&) {
  }
  const auto trace =
      nlohmann::json::parse(readFile(path));  // throws if the file is not closed JSON
  EXPECT_EQ(eventsNamed(trace, "backward").size(), 1u);
}

TEST(Timeline, StopsAtItsSizeLimitAndStaysValid) {
  TempDir dir;
  const std::string path = dir.path() + "/rank-0.json";
  {
    Timeline timeline(path, 0, 4096);
    for (int i = 0; i < 1000; ++i) Timeline::Span span(&timeline, "step");
  }
  EXPECT_LE(fs::file_size(path), 4096u + 16);
  const auto trace = nlohmann::json::parse(readFile(path));
  EXPECT_GT(eventsNamed(trace, "step").size(), 5u);
  EXPECT_LT(eventsNamed(trace, "step").size(), 1000u);
}

TEST(UploadState, SurvivesAReloadAndForgetsAnotherDestination) {
  TempDir dir;
  const std::string path = dir.path() + "/.upload-state.json";
  {
    storage::UploadState state(path, "azure://acct/runs");
    state.put("logs/a.txt", {10, 123, true, 0, 0});
    state.put("outputs/big.h5", {100, 456, false, 8, 5});
  }
  storage::UploadState again(path, "azure://acct/runs");
  ASSERT_NE(again.find("logs/a.txt"), nullptr);
  EXPECT_TRUE(again.find("logs/a.txt")->complete);
  ASSERT_NE(again.find("outputs/big.h5"), nullptr);
  EXPECT_EQ(again.find("outputs/big.h5")->blocks_done, 5);
  EXPECT_EQ(again.find("outputs/big.h5")->block_bytes, 8);
  storage::UploadState other(path, "azure://acct/elsewhere");
  EXPECT_EQ(other.find("logs/a.txt"), nullptr);
  std::ofstream(path) << "{ torn";
  storage::UploadState torn(path, "azure://acct/runs");
  EXPECT_EQ(torn.find("logs/a.txt"), nullptr);
}

TEST(Uploader, RedactsQueryStrings) {
  EXPECT_EQ(storage::redactUrl("https://a.blob.core.windows.net/c/p?sv=2021&sig=SECRET"),
            "https://a.blob.core.windows.net/c/p?<redacted>");
  EXPECT_EQ(storage::redactUrl("azure://a/c"), "azure://a/c");
}

TEST(Uploader, CopiesOnlyChangedFilesToAFolder) {
  TempDir dir;
  const std::string src = dir.path() + "/logs", dst = dir.path() + "/remote";
  fs::create_directories(src + "/tensorboard");
  fs::create_directories(src + "/.hidden");
  fs::create_directories(dst);
  std::ofstream(src + "/metrics.jsonl") << "{\"step\":1}\n";
  std::ofstream(src + "/tensorboard/events") << "abc";
  std::ofstream(src + "/.hidden/x") << "no";
  std::ofstream(src + "/.tmp") << "no";
  storage::UploadOptions options;
  options.url = dst;
  options.state_path = src + "/.upload-state.json";
  {
    storage::Uploader up(options);
    const storage::SyncResult first = up.syncFolder(src, "logs");
    EXPECT_EQ(first.uploaded, 2);
    EXPECT_EQ(readFile(dst + "/logs/metrics.jsonl"), "{\"step\":1}\n");
    EXPECT_EQ(readFile(dst + "/logs/tensorboard/events"), "abc");
    EXPECT_FALSE(fs::exists(dst + "/logs/.hidden"));
    EXPECT_FALSE(fs::exists(dst + "/logs/.tmp"));
    EXPECT_FALSE(fs::exists(dst + "/logs/.upload-state.json"));
    const storage::SyncResult second = up.syncFolder(src, "logs");
    EXPECT_EQ(second.uploaded, 0);
    EXPECT_EQ(second.unchanged, 2);
    std::ofstream(src + "/metrics.jsonl", std::ios::app) << "{\"step\":2}\n";
  }
  storage::Uploader fresh(options);  // a new process: the state file remembers
  const storage::SyncResult third = fresh.syncFolder(src, "logs");
  EXPECT_EQ(third.uploaded, 1);
  EXPECT_EQ(third.unchanged, 1);
  EXPECT_EQ(readFile(dst + "/logs/metrics.jsonl"), "{\"step\":1}\n{\"step\":2}\n");
}

TEST(Uploader, CopiesOnlyTheCommittedCheckpointAndThenLatest) {
  TempDir dir;
  const std::string out = dir.path() + "/outputs", dst = dir.path() + "/remote";
  fs::create_directories(out + "/checkpoints/step-00000010");
  fs::create_directories(out + "/checkpoints/.step-00000020.tmp");
  fs::create_directories(dst);
  std::ofstream(out + "/checkpoints/step-00000010/model.h5") << "ten";
  std::ofstream(out + "/checkpoints/.step-00000020.tmp/model.h5") << "partial";
  storage::UploadOptions options;
  options.url = dst;
  options.state_path = dir.path() + "/state.json";
  storage::Uploader up(options);
  EXPECT_EQ(up.syncLatestCheckpoint(out, "outputs").uploaded, 0);  // no latest yet
  std::ofstream(out + "/checkpoints/latest") << "step-00000010\n";
  EXPECT_EQ(up.syncLatestCheckpoint(out, "outputs").uploaded, 2);
  EXPECT_EQ(readFile(dst + "/outputs/checkpoints/step-00000010/model.h5"), "ten");
  EXPECT_EQ(readFile(dst + "/outputs/checkpoints/latest"), "step-00000010\n");
  EXPECT_FALSE(fs::exists(dst + "/outputs/checkpoints/.step-00000020.tmp"));
  EXPECT_EQ(up.syncLatestCheckpoint(out, "outputs").uploaded, 0);  // unchanged
  std::ofstream(out + "/checkpoints/latest") << "../../etc\n";
  EXPECT_EQ(up.syncLatestCheckpoint(out, "outputs").uploaded, 0);  // never outside checkpoints/
}

TEST(Uploader, RefusesAUrlWithAQueryString) {
  storage::UploadOptions options;
  options.url = "azure://acct/c?sig=SECRET";
  try {
    storage::Uploader up(options);
    FAIL() << "no error";
  } catch (const cohort::ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).find("SECRET"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("COHORT_AZURE_SAS_TOKEN"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace cohort::runlog
