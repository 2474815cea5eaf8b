// What resume() and save() do when things go wrong (Note [Checkpoint
// commit]): a bit-flipped or truncated checkpoint (or one whose
// checksums.json is malformed) is skipped and the one before is resumed; an
// unfinished write's folder is removed; an outputs location that cannot be
// written, or a write that fails, is a clear cohort::Error and the older
// checkpoints stay whole and resumable. (A disk that fills up, and kill -9
// during a write, are the scripts' cases.)
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <torch/utils.h>

#include <fstream>
#include <iterator>
#include <regex>

#include "checkpoint_test_util.h"
#include "cohort/checkpoint/checkpoint_folder.h"
#include "cohort/checkpoint/checkpointer.h"
#include "cohort/checkpoint/module_state.h"
#include "cohort/core/error.h"
#include "cohort/world/runtime.h"

namespace cohort::test {
namespace {

using checkpoint::Checkpointer;
using checkpoint::CheckpointPolicy;
using checkpoint::TrainState;

// The model's tensors set to values that say which step they belong to.
void setStepValues(TrainState& state, int64_t step) {
  torch::NoGradGuard no_grad;
  int i = 0;
  for (auto& [name, t] : state.model) {
    if (t.is_floating_point()) {
      t.copy_(torch::arange(t.numel(), t.options()).reshape(t.sizes()) + 1000 * step + i++);
    } else {
      t.fill_(step);
    }
  }
  state.step = step;
}

// Whether the model holds the values setStepValues gave `step`.
bool holdsStep(TrainState& state, int64_t step) {
  SmallNet reference;
  TrainState expected;
  expected.model = checkpoint::moduleState(reference);
  setStepValues(expected, step);
  for (size_t i = 0; i < state.model.size(); ++i) {
    if (!sameBytes(state.model[i].second, expected.model[i].second)) return false;
  }
  return true;
}

// The dot-named entries of the checkpoints folder (unfinished or deleted folders).
std::vector<std::string> dotEntries(const fs::path& checkpoints) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(checkpoints)) {
    const std::string name = entry.path().filename().string();
    if (name[0] == '.') names.push_back(name);
  }
  return names;
}

TEST(Recovery, DamagedCheckpointsAreSkippedForTheOneBefore) {
  Runtime& rt = *current();
  SharedTempDir dir(rt.comm());
  const fs::path checkpoints = dir.path() / "checkpoints";
  SmallNet net;
  TrainState state;
  state.model = checkpoint::moduleState(net);
  Checkpointer ckpt(rt, checkpoints.string(), keepAll(false));
  for (int64_t step = 1; step <= 3; ++step) {
    setStepValues(state, step);
    ckpt.save(state);
  }
  // Rank 0 (the one that reads) damages the newest, and leaves an unfinished write.
  if (rt.rank() == 0) {
    flipBit(checkpoints / "step-00000003" / "model.h5");
    fs::create_directory(checkpoints / ".step-00000004.tmp");
    std::ofstream(checkpoints / ".step-00000004.tmp" / "model.h5") << "half a file";
    EXPECT_NE(checkpoint::verifyCheckpoint(checkpoints / "step-00000003"), "");
  }
  rt.comm().barrier();
  setStepValues(state, 0);
  auto resumed = ckpt.resume(state);
  ASSERT_TRUE(resumed.has_value());
  EXPECT_EQ(resumed->step, 2);
  EXPECT_TRUE(holdsStep(state, 2));
  EXPECT_TRUE(rank0Says(rt.comm(), !fs::exists(checkpoints / ".step-00000004.tmp")))
      << "the unfinished write's folder was not removed";

  // A truncated file sends resume one further back.
  if (rt.rank() == 0) {
    const fs::path file = checkpoints / "step-00000002" / "model.h5";
    fs::resize_file(file, fs::file_size(file) - 100);
  }
  rt.comm().barrier();
  resumed = ckpt.resume(state);
  ASSERT_TRUE(resumed.has_value());
  EXPECT_EQ(resumed->step, 1);
  EXPECT_TRUE(holdsStep(state, 1));

  // A checksums.json that is valid JSON of the wrong shape (a size that is a
  // string) is damage too; with every checkpoint damaged there is nothing to resume.
  if (rt.rank() == 0) {
    // Issue 16: arrays nested 200,000 deep are refused as damage, not a crash
    // (See Note [Untrusted JSON]).
    const fs::path deep = checkpoints.parent_path() / "deep-checkpoint";
    fs::create_directories(deep);
    std::ofstream(deep / "checksums.json")
        << "{\"files\": " << std::string(200000, '[') << std::string(200000, ']') << "}";
    EXPECT_NE(checkpoint::verifyCheckpoint(deep).find("is not valid JSON"), std::string::npos);
    fs::remove_all(deep);
    const fs::path sums = checkpoints / "step-00000001" / "checksums.json";
    std::string text;
    {
      std::ifstream in(sums);
      text.assign(std::istreambuf_iterator<char>(in), {});
    }
    std::ofstream(sums) << std::regex_replace(text, std::regex(R"("bytes": (\d+))"),
                                              R"("bytes": "$1")");
    EXPECT_NE(checkpoint::verifyCheckpoint(checkpoints / "step-00000001"), "");
  }
  rt.comm().barrier();
  EXPECT_FALSE(ckpt.resume(state).has_value());
}

// Saves on a Checkpointer whose folder lies below a regular file: rank 0 (the
// writer) reports what it caught, "" when nothing was thrown.
std::string saveBelowAFile(Runtime& rt, const fs::path& root, bool async) {
  const fs::path plain = root / (async ? "plain-async" : "plain-sync");
  if (rt.rank() == 0) std::ofstream(plain) << "a regular file";
  rt.comm().barrier();
  SmallNet net;
  TrainState state;
  state.model = checkpoint::moduleState(net);
  state.step = 1;
  Checkpointer ckpt(rt, (plain / "checkpoints").string(), keepAll(async));
  std::string caught;
  try {
    ckpt.save(state);
    ckpt.wait();
  } catch (const Error& e) {
    caught = e.what();
    EXPECT_FALSE(e.hint().empty());
    EXPECT_NE(caught.find((plain / "checkpoints").string()), std::string::npos) << caught;
    EXPECT_NE(caught.find("Not a directory"), std::string::npos) << caught;
  }
  if (rt.rank() != 0) {
    EXPECT_EQ(caught, "") << "only rank 0 writes";
  }
  return caught;
}

TEST(Recovery, UnwritableLocationIsAClearError) {
  Runtime& rt = *current();
  SharedTempDir dir(rt.comm());
  for (bool async : {false, true}) {
    const std::string caught = saveBelowAFile(rt, dir.path(), async);
    EXPECT_TRUE(rank0Says(rt.comm(), !caught.empty()))
        << (async ? "async" : "sync") << ": rank 0 saw no error";
  }
}

// While it lives, rank 0 cannot make a file larger than `bytes` (ulimit -f):
// a checkpoint file larger than that cannot be written (EFBIG), which
// tensor_file.cc finds before it writes (Note [Tensor file writes]).
class FileSizeLimit {
 public:
  FileSizeLimit(bool active, rlim_t bytes) : active_(active) {
    if (!active_) return;
    getrlimit(RLIMIT_FSIZE, &previous_);
    previous_handler_ = signal(SIGXFSZ, SIG_IGN);
    rlimit limit = previous_;
    limit.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() {
    if (!active_) return;
    setrlimit(RLIMIT_FSIZE, &previous_);
    signal(SIGXFSZ, previous_handler_);
  }

 private:
  bool active_;
  rlimit previous_{};
  sighandler_t previous_handler_ = SIG_DFL;
};

class FailedWrite : public ::testing::TestWithParam<bool> {};

TEST_P(FailedWrite, LeavesTheOlderCheckpointsWholeAndResumable) {
  Runtime& rt = *current();
  SharedTempDir dir(rt.comm());
  const fs::path checkpoints = dir.path() / "checkpoints";
  SmallNet net;
  // A tensor large enough that model.h5 outgrows the limit below.
  TrainState state;
  state.model = checkpoint::moduleState(net);
  at::Tensor big = torch::zeros({256 << 10});
  Checkpointer ckpt(rt, checkpoints.string(), keepAll(GetParam()));
  setStepValues(state, 1);
  ckpt.save(state);
  ckpt.wait();

  state.model.emplace_back("big", big);
  setStepValues(state, 2);
  std::string caught;
  {
    const FileSizeLimit limit(rt.rank() == 0, 256 << 10);
    try {
      ckpt.save(state);
      ckpt.wait();
    } catch (const Error& e) {
      caught = e.what();
      EXPECT_NE(caught.find("model.h5"), std::string::npos) << caught;
      EXPECT_NE(caught.find("File too large"), std::string::npos) << caught;
      EXPECT_FALSE(e.hint().empty());
    }
  }
  EXPECT_TRUE(rank0Says(rt.comm(), !caught.empty())) << "rank 0 saw no error";
  if (rt.rank() == 0) {
    EXPECT_EQ(checkpoint::verifyCheckpoint(checkpoints / "step-00000001"), "");
    EXPECT_EQ(readLatest(checkpoints), "step-00000001");
    EXPECT_FALSE(fs::exists(checkpoints / "step-00000002"));
    EXPECT_EQ(dotEntries(checkpoints), std::vector<std::string>{})
        << "the failed write left files behind";
  }
  state.model.pop_back();
  setStepValues(state, 0);
  const auto resumed = ckpt.resume(state);
  ASSERT_TRUE(resumed.has_value());
  EXPECT_EQ(resumed->step, 1);
  EXPECT_TRUE(holdsStep(state, 1));
}

INSTANTIATE_TEST_SUITE_P(Modes, FailedWrite, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "Async" : "Sync"; });

}  // namespace
}  // namespace cohort::test
