// Issue 30, items 13 and 14: what resume() and save() do with a checkpoints
// folder a user has tampered with (See Note [Latest pointer]). A symbolic
// link that loops (`latest -> latest`, `junk -> junk`, a step folder's name)
// is skipped with a warning and the newest sound checkpoint resumes; a
// `latest` that is missing, garbage, names a folder outside or a stale one,
// is rewritten with a warning; a `latest` that is a folder is a clear error
// (at resume, and at a save before anything is written) that leaves no
// .latest.tmp behind, and an empty one is removed.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "checkpoint_test_util.h"
#include "cohort/checkpoint/checkpointer.h"
#include "cohort/checkpoint/module_state.h"
#include "cohort/core/error.h"
#include "cohort/world/runtime.h"

namespace cohort::test {
namespace {

using checkpoint::Checkpointer;
using checkpoint::CheckpointPolicy;
using checkpoint::TrainState;

CheckpointPolicy keepAllSync() {
  CheckpointPolicy policy;
  policy.async = false;
  policy.retention.keep_last = 0;
  return policy;
}

std::string readText(const fs::path& file) {
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A checkpoints folder holding steps 1 and 2 of a SmallNet.
struct TwoCheckpoints {
  explicit TwoCheckpoints(Runtime& rt)
      : dir(rt.comm()),
        checkpoints(dir.path() / "checkpoints"),
        ckpt(rt, checkpoints.string(), keepAllSync()) {
    state.model = checkpoint::moduleState(net);
    for (int64_t step = 1; step <= 2; ++step) {
      state.step = step;
      ckpt.save(state);
    }
  }
  SharedTempDir dir;
  fs::path checkpoints;
  SmallNet net;
  TrainState state;
  Checkpointer ckpt;
};

// Resumes (collectively); rank 0's stderr meanwhile, on every rank. (Only
// rank 0 looks at files: the others may run ahead of its writes.)
std::string resumeLogging(Runtime& rt, TwoCheckpoints& t, int64_t* step) {
  testing::internal::CaptureStderr();
  std::optional<checkpoint::Resumed> resumed;
  try {
    resumed = t.ckpt.resume(t.state);
  } catch (...) {
    testing::internal::GetCapturedStderr();
    throw;
  }
  const std::string log = testing::internal::GetCapturedStderr();
  *step = resumed ? resumed->step : 0;
  return rank0Text(rt.comm(), log);
}

TEST(LatestPointer, SymbolicLinkLoopsAreSkippedWithAWarning) {
  Runtime& rt = *current();
  TwoCheckpoints t(rt);
  const fs::path& ck = t.checkpoints;
  if (rt.rank() == 0) {
    fs::remove(ck / "latest");
    fs::create_symlink("latest", ck / "latest");
    fs::create_symlink("junk", ck / "junk");
    fs::create_symlink("step-00000009", ck / "step-00000009");
  }
  rt.comm().barrier();
  int64_t step = 0;
  const std::string log = resumeLogging(rt, t, &step);
  EXPECT_EQ(step, 2) << log;
  EXPECT_NE(log.find("skipping " + (ck / "junk").string() + ": Too many levels of symbolic links"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find((ck / "step-00000009").string()), std::string::npos) << log;
  EXPECT_NE(log.find((ck / "latest").string() + " is a symbolic link (to latest)"),
            std::string::npos)
      << log;
  EXPECT_TRUE(rank0Says(rt.comm(), rt.rank() == 0 &&
                                       fs::is_regular_file(fs::symlink_status(ck / "latest")) &&
                                       readText(ck / "latest") == "step-00000002\n"))
      << "the looping latest was not replaced by the file naming step-00000002";
  EXPECT_TRUE(
      rank0Says(rt.comm(), rt.rank() == 0 && fs::is_symlink(fs::symlink_status(ck / "junk"))))
      << "someone's entry was deleted";

  // Saving past the loops works, a step folder's loop included (it is moved aside).
  t.state.step = 9;
  t.ckpt.save(t.state);
  EXPECT_TRUE(rank0Says(rt.comm(), rt.rank() == 0 &&
                                       fs::is_directory(fs::symlink_status(ck / "step-00000009")) &&
                                       readText(ck / "latest") == "step-00000009\n"));
}

TEST(LatestPointer, AWrongLatestIsRewrittenWithAWarning) {
  Runtime& rt = *current();
  TwoCheckpoints t(rt);
  const fs::path latest = t.checkpoints / "latest";
  struct Case {
    std::string content;  // "": no latest at all
    std::string warning;
  };
  const std::vector<Case> cases = {
      {"", "is missing"},
      {"garbage\n", "holds 'garbage', which is not a checkpoint folder's name"},
      {"../../etc\n", "holds '../../etc', which is not a checkpoint folder's name"},
      {"step-00000007\n", "names step-00000007, not the newest sound checkpoint step-00000002"},
      {"step-00000001\n", "names step-00000001, not the newest sound checkpoint step-00000002"},
      {"\n", "is empty"}};
  for (const auto& c : cases) {
    if (rt.rank() == 0) {
      fs::remove(latest);
      if (!c.content.empty()) std::ofstream(latest) << c.content;
      std::ofstream(t.checkpoints / ".latest.tmp") << "a leftover of an older cohort";
    }
    rt.comm().barrier();
    int64_t step = 0;
    const std::string log = resumeLogging(rt, t, &step);
    EXPECT_EQ(step, 2);
    EXPECT_NE(log.find(latest.string() + " " + c.warning + "; it now names step-00000002"),
              std::string::npos)
        << "latest holding '" << c.content << "': " << log;
    EXPECT_TRUE(rank0Says(rt.comm(), rt.rank() == 0 && readText(latest) == "step-00000002\n"))
        << "latest holding '" << c.content << "' was not repaired";
    EXPECT_TRUE(rank0Says(rt.comm(), rt.rank() == 0 && !fs::exists(t.checkpoints / ".latest.tmp")))
        << "a leftover .latest.tmp was not removed";
  }
  // A right latest is left alone, quietly.
  int64_t step = 0;
  EXPECT_EQ(resumeLogging(rt, t, &step).find("latest"), std::string::npos);

  // With no sound checkpoint left, a latest that names one is removed.
  if (rt.rank() == 0) {
    for (const char* folder : {"step-00000001", "step-00000002"})
      fs::remove_all(t.checkpoints / folder);
  }
  rt.comm().barrier();
  const std::string log = resumeLogging(rt, t, &step);
  EXPECT_EQ(step, 0);
  EXPECT_NE(log.find(latest.string() +
                     " names step-00000002, but there is no sound checkpoint; removed it"),
            std::string::npos)
      << log;
  EXPECT_TRUE(rank0Says(rt.comm(), rt.rank() == 0 && !fs::exists(fs::symlink_status(latest))));
}

TEST(LatestPointer, ALatestFolderIsAClearErrorAndLeavesNoDebris) {
  Runtime& rt = *current();
  TwoCheckpoints t(rt);
  const fs::path latest = t.checkpoints / "latest";
  if (rt.rank() == 0) {
    fs::remove(latest);
    fs::create_directory(latest);
    std::ofstream(latest / "notes.txt") << "someone's file";
  }
  rt.comm().barrier();
  // At a save: refused before anything is written, with the right advice.
  t.state.step = 3;
  std::string caught;
  try {
    t.ckpt.save(t.state);
  } catch (const Error& e) {
    caught = e.what();
    EXPECT_NE(caught.find(latest.string() + " is a folder"), std::string::npos) << caught;
    EXPECT_NE(e.hint().find("move that folder out of"), std::string::npos) << e.hint();
  }
  EXPECT_TRUE(rank0Says(rt.comm(), !caught.empty())) << "rank 0 saved past a latest folder";
  if (rt.rank() == 0) {
    EXPECT_FALSE(fs::exists(t.checkpoints / ".latest.tmp")) << "the failed save left .latest.tmp";
    EXPECT_FALSE(fs::exists(t.checkpoints / ".step-00000003.tmp"));
    EXPECT_FALSE(fs::exists(t.checkpoints / "step-00000003"));
    EXPECT_EQ(readText(latest / "notes.txt"), "someone's file");
  }
  // At resume: the same error, on every rank.
  try {
    t.ckpt.resume(t.state);
    ADD_FAILURE() << "resume took a latest folder";
  } catch (const ConfigError& e) {
    EXPECT_NE(e.detail().find(latest.string() + " is a folder"), std::string::npos) << e.detail();
  }
  // An empty folder is removed (with a warning), and saving works again.
  if (rt.rank() == 0) fs::remove(latest / "notes.txt");
  rt.comm().barrier();
  t.ckpt.save(t.state);
  EXPECT_TRUE(rank0Says(rt.comm(), rt.rank() == 0 && readText(latest) == "step-00000003\n"));
}

}  // namespace
}  // namespace cohort::test
