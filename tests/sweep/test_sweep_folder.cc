// The sweep folder's layout (sweep_folder.h): every path docs/sweep.md's
// table names, the trial folders' numbering and its inverse, and the orphan
// check that reads trials/ by it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "cohort/core/error.h"
#include "sweep/sweep_folder.h"

namespace cohort::sweep_tool {
namespace {

namespace fs = std::filesystem;

TEST(SweepFolder, NamesEveryPathOfTheLayout) {
  const SweepFolder folder("sweeps/lr");
  EXPECT_EQ(folder.dir(), "sweeps/lr");
  EXPECT_EQ(folder.store(), "sweeps/lr/sweep.db");
  EXPECT_EQ(folder.specCopy(), "sweeps/lr/sweep.yaml");
  EXPECT_EQ(folder.lock(), "sweeps/lr/driver.lock");
  EXPECT_EQ(folder.log(), "sweeps/lr/driver.log");
  EXPECT_EQ(folder.report(), "sweeps/lr/report.html");
  EXPECT_EQ(folder.registered(), "sweeps/lr/registered.json");
  EXPECT_EQ(folder.trials(), "sweeps/lr/trials");
  const TrialFolder t = folder.trial(7);
  EXPECT_EQ(t.dir, "sweeps/lr/trials/00007");
  EXPECT_EQ(t.outputs, "sweeps/lr/trials/00007/outputs");
  EXPECT_EQ(t.logs, "sweeps/lr/trials/00007/logs");
  EXPECT_EQ(t.console, "sweeps/lr/trials/00007/cohortrun.log");
  EXPECT_EQ(t.stop, "sweeps/lr/trials/00007/stop.json");
  EXPECT_EQ(t.metrics, "sweeps/lr/trials/00007/logs/metrics.jsonl");
  EXPECT_EQ(t.record, "sweeps/lr/trials/00007/logs/trial.json");
  EXPECT_EQ(t.model, "sweeps/lr/trials/00007/outputs/model");
  EXPECT_EQ(folder.trial(123456).dir, "sweeps/lr/trials/123456");  // past five digits
}

TEST(SweepFolder, ATrialFoldersNameGivesItsNumber) {
  for (int64_t id : {1, 7, 99999, 100000}) {
    const std::string name = fs::path(SweepFolder("s").trial(id).dir).filename().string();
    EXPECT_EQ(SweepFolder::trialNumber(name), id) << name;
  }
  EXPECT_EQ(SweepFolder::trialNumber("7"), 7);
  EXPECT_FALSE(SweepFolder::trialNumber(""));
  EXPECT_FALSE(SweepFolder::trialNumber("0007a"));
  EXPECT_FALSE(SweepFolder::trialNumber("-7"));
  EXPECT_FALSE(SweepFolder::trialNumber("123456789012345678"));  // 18 digits: not a trial
}

TEST(SweepFolder, SweepIdIsTheFoldersNameAndTheDigest) {
  const std::string digest = "0123456789abcdef";
  EXPECT_EQ(SweepFolder("sweeps/lr/").sweepId(digest), "lr-01234567");
  EXPECT_EQ(SweepFolder("sweeps/a b").sweepId(digest), "a_b-01234567");
  EXPECT_EQ(SweepFolder("/").sweepId(digest), "sweep-01234567");
}

TEST(SweepFolder, OrphanTrialsAreRefused) {
  char pattern[] = "/tmp/cohort-sweep-folder-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const SweepFolder folder(pattern);
  EXPECT_TRUE(folder.storeIsNew());
  folder.refuseOrphanTrials(0);  // no trials/: nothing to refuse
  fs::create_directories(folder.trial(3).logs);
  EXPECT_THROW(folder.refuseOrphanTrials(0), ConfigError);  // no store: trial 3 is an orphan
  EXPECT_THROW(folder.refuseOrphanTrials(2), ConfigError);  // a store of 2 trials
  folder.refuseOrphanTrials(3);
  try {
    folder.refuseOrphanTrials(1);
    ADD_FAILURE() << "trial 3 of a store of 1 accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(e.detail().find(folder.trials() + " holds 1 trial folder(s) (00003...)"),
              std::string::npos)
        << e.detail();
  }
  fs::remove_all(pattern);
}

}  // namespace
}  // namespace cohort::sweep_tool
