// The one ranged read of every storage backend (Note [Ranged reads] in
// storage/storage.h), against a scripted backend: a cut answer is resumed
// from the byte already received, transient failures are retried until the
// tries run out, a whole object must be exactly its expected size (a byte
// past it, or an answer stopping short, shows it), and the messages speak of objects,
// never of data sets (Note [Storage messages]).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <deque>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>

#include "cohort/storage/storage.h"

namespace cohort::storage {
namespace {

// One object in memory; each request takes the next scripted fault.
class ScriptedStorage : public Storage {
 public:
  enum class Fault { kNone, kCut, kUnavailable };

  ScriptedStorage(std::string object, int parallel)
      : Storage(RetryPolicy{5, 0.001, 0.002}), object_(std::move(object)), parallel_(parallel) {}

  std::deque<Fault> faults;
  bool missing = false;
  std::vector<std::pair<int64_t, int64_t>> requests;  // (offset, length) of each, in order

  std::string location() const override { return "scripted://bucket"; }
  std::string urlOf(const std::string& name) const override { return "scripted://bucket/" + name; }
  std::vector<ObjectInfo> list() override { return {{"o", size("o")}}; }
  bool exists(const std::string&) override { return !missing; }
  int64_t size(const std::string& name) override {
    if (missing) throw ObjectMissingError(urlOf(name) + ": HTTP 404", "check the location");
    return static_cast<int64_t>(object_.size());
  }
  void write(const std::string&, const std::string& bytes) override { object_ = bytes; }
  void createLocation() override {}
  bool createExclusive(const std::string&, const std::string&) override { return false; }
  void remove(const std::string&) override {}

 protected:
  void requestRange(const std::string& name, int64_t offset, int64_t length,
                    const std::function<bool(const char*, size_t)>& receive) override {
    std::lock_guard<std::mutex> lock(mutex_);
    requests.emplace_back(offset, length);
    if (missing) throw ObjectMissingError(urlOf(name) + ": HTTP 404", "check the location");
    const Fault fault = faults.empty() ? Fault::kNone : faults.front();
    if (!faults.empty()) faults.pop_front();
    if (fault == Fault::kUnavailable) throw TransientError(urlOf(name) + ": HTTP 503");
    const int64_t size = static_cast<int64_t>(object_.size());
    const int64_t end = std::min(offset + length, size);
    // A cut answer: half of its bytes, then the connection drops.
    const int64_t stop = fault == Fault::kCut ? offset + (end - offset) / 2 : end;
    for (int64_t at = offset; at < stop; at += kPiece) {
      if (!receive(object_.data() + at, static_cast<size_t>(std::min(kPiece, stop - at))))
        throw DataError("the receiver stopped the transfer");  // as curl's write error
    }
    if (fault == Fault::kCut) throw TransientError(urlOf(name) + ": the connection was reset");
  }
  int parallelReads() const override { return parallel_; }

 private:
  static constexpr int64_t kPiece = 4096;
  std::string object_;
  int parallel_;
  std::mutex mutex_;
};

std::string randomBytes(size_t n) {
  std::mt19937_64 random(42);
  std::string bytes(n, '\0');
  for (char& c : bytes) c = static_cast<char>(random());
  return bytes;
}

// The message of what `action` throws, which must be a DataError of type E.
template <typename E>
std::string errorOf(const std::function<void()>& action) {
  try {
    action();
  } catch (const E& e) {
    const std::string text = e.what();
    // Storage speaks of objects: a data set's advice is the data layer's to add.
    EXPECT_EQ(text.find("cohort-pack"), std::string::npos) << text;
    EXPECT_EQ(text.find("index.json"), std::string::npos) << text;
    EXPECT_EQ(text.find("data set"), std::string::npos) << text;
    return text;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "another error: " << e.what();
    return "";
  }
  ADD_FAILURE() << "no error";
  return "";
}

using Fault = ScriptedStorage::Fault;

TEST(RangedRead, ACutAnswerIsResumedFromTheByteAlreadyReceived) {
  const std::string object = randomBytes(100000);
  ScriptedStorage storage(object, 4);
  storage.faults = {Fault::kUnavailable, Fault::kCut, Fault::kCut};
  std::string got(object.size(), '\0');
  storage.read("o", 0, static_cast<int64_t>(object.size()), got.data());
  EXPECT_EQ(got, object);
  // The 503 is asked again whole; after each cut, the next request starts where the answer stopped.
  const int64_t n = 100000;
  const std::vector<std::pair<int64_t, int64_t>> expected = {
      {0, n}, {0, n}, {n / 2, n - n / 2}, {n / 2 + (n - n / 2) / 2, n - n / 2 - (n - n / 2) / 2}};
  EXPECT_EQ(storage.requests, expected);

  // A range inside the object, cut too.
  storage.requests.clear();
  storage.faults = {Fault::kCut};
  std::string part(5000, '\0');
  storage.read("o", 1000, 5000, part.data());
  EXPECT_EQ(part, object.substr(1000, 5000));
  EXPECT_EQ(storage.requests,
            (std::vector<std::pair<int64_t, int64_t>>{{1000, 5000}, {3500, 2500}}));
}

TEST(RangedRead, AWholeObjectIsAskedWithOneByteMoreAndHashedOnce) {
  const std::string object = randomBytes(70001);
  ScriptedStorage storage(object, 4);
  storage.faults = {Fault::kCut, Fault::kUnavailable, Fault::kCut};
  Checksum checksum(ChecksumKind::kXxh128);
  auto buffer = storage.fetch("o", static_cast<int64_t>(object.size()), &checksum);
  EXPECT_EQ(std::string(buffer->data(), buffer->size()), object);
  // Every byte hashed exactly once, in order, although the answer came in three pieces.
  EXPECT_EQ(checksum.hex(), checksumHex(ChecksumKind::kXxh128, object.data(), object.size()));
  const std::vector<std::pair<int64_t, int64_t>> expected = {
      {0, 70002}, {35000, 35002}, {35000, 35002}, {52500, 17502}};
  EXPECT_EQ(storage.requests, expected);
}

TEST(RangedRead, AnObjectOfAnotherSizeIsAnObjectSizeError) {
  const std::string object = randomBytes(10000);
  ScriptedStorage storage(object, 4);
  // Longer than expected: the byte past the end shows it.
  std::string error = errorOf<ObjectSizeError>([&] { storage.fetch("o", 9000, nullptr); });
  EXPECT_NE(error.find("scripted://bucket/o is longer than the 9000 bytes expected"),
            std::string::npos)
      << error;
  // Shorter, even after a cut: the complete answer that stops short tells where it ends.
  storage.faults = {Fault::kCut};
  try {
    storage.fetch("o", 12000, nullptr);
    ADD_FAILURE() << "a short object was read";
  } catch (const ObjectSizeError& e) {
    EXPECT_NE(
        std::string(e.what()).find("scripted://bucket/o is 10000 bytes, not the 12000 expected"),
        std::string::npos)
        << e.what();
    EXPECT_EQ(e.url(), "scripted://bucket/o");
    EXPECT_EQ(e.actual(), 10000);
    EXPECT_EQ(e.expected(), 12000);
  }
  // An empty object, expected empty, and not.
  ScriptedStorage empty("", 4);
  EXPECT_EQ(empty.fetch("o", 0, nullptr)->size(), 0u);
  error = errorOf<ObjectSizeError>([&] { storage.fetch("o", 0, nullptr); });
  EXPECT_NE(error.find("is longer than the 0 bytes expected"), std::string::npos) << error;
}

TEST(RangedRead, ARangePastTheEndAndRunOutTriesAreDataErrors) {
  ScriptedStorage storage(randomBytes(10000), 4);
  std::string out(3000, '\0');
  std::string error = errorOf<DataError>([&] { storage.read("o", 8000, 3000, out.data()); });
  EXPECT_NE(error.find("scripted://bucket/o ends at byte 10000, before the 11000 bytes asked for"),
            std::string::npos)
      << error;

  storage.requests.clear();
  storage.faults.assign(10, Fault::kUnavailable);
  error = errorOf<DataError>([&] { storage.read("o", 0, 100, out.data()); });
  EXPECT_NE(error.find("reading scripted://bucket/o failed after 5 tries"), std::string::npos)
      << error;
  EXPECT_NE(error.find("HTTP 503"), std::string::npos) << error;
  EXPECT_EQ(storage.requests.size(), 5u);

  // A missing object is not retried.
  storage.requests.clear();
  storage.missing = true;
  error = errorOf<ObjectMissingError>([&] { storage.read("o", 0, 100, out.data()); });
  EXPECT_EQ(storage.requests.size(), 1u);
}

TEST(RangedRead, GetFileInOneRequestOrInPartsWritesAndHashesInOrder) {
  const std::string object = randomBytes((size_t{40} << 20) + 12345);  // three 16 MiB parts
  const std::string path = ::testing::TempDir() + "/ranged_read_get." + std::to_string(::getpid());
  for (int parallel : {1, 4}) {
    ScriptedStorage storage(object, parallel);
    storage.faults = {Fault::kCut, Fault::kNone, Fault::kCut, Fault::kUnavailable};
    Checksum checksum(ChecksumKind::kXxh128);
    storage.getFile("o", path, static_cast<int64_t>(object.size()), &checksum);
    std::ifstream in(path, std::ios::binary);
    std::stringstream copy;
    copy << in.rdbuf();
    EXPECT_EQ(copy.str() == object, true) << "the copy differs, " << parallel << " in flight";
    EXPECT_EQ(checksum.hex(), checksumHex(ChecksumKind::kXxh128, object.data(), object.size()));
    // A file of another size is refused (in parts, by its size, before any read).
    storage.requests.clear();
    const int64_t less = static_cast<int64_t>(object.size()) - 1;
    const std::string error =
        errorOf<ObjectSizeError>([&] { storage.getFile("o", path, less, nullptr); });
    if (parallel == 1) {
      EXPECT_NE(error.find("is longer than the " + std::to_string(less)), std::string::npos)
          << error;
    } else {
      EXPECT_NE(error.find("is " + std::to_string(object.size()) + " bytes, not the " +
                           std::to_string(less)),
                std::string::npos)
          << error;
      EXPECT_TRUE(storage.requests.empty());
    }
  }
  std::remove(path.c_str());
  // A local file that cannot be written is the sink's error, as it is.
  ScriptedStorage storage(randomBytes(100000), 1);
  const std::string error =
      errorOf<DataError>([&] { storage.getFile("o", "/dev/full", 100000, nullptr); });
  EXPECT_NE(error.find("cannot write /dev/full"), std::string::npos) << error;
}

}  // namespace
}  // namespace cohort::storage
