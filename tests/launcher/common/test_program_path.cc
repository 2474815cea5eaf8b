// Where a program is (program_path.h): on the PATH, given by the user, or
// beside the running tool, as the tools find one another in build/bin and
// in an installed bin/.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "cohort/core/error.h"
#include "common/program_path.h"

namespace cohort::launcher {
namespace {

std::string folderOf(const std::string& path) { return path.substr(0, path.rfind('/')); }
std::string nameOf(const std::string& path) { return path.substr(path.rfind('/') + 1); }

TEST(ProgramPath, SelfPathIsThisTest) {
  const std::string self = selfPath("launcher_common_tests");
  ASSERT_FALSE(self.empty());
  EXPECT_EQ(self[0], '/');
  EXPECT_EQ(access(self.c_str(), X_OK), 0);
}

TEST(ProgramPath, ASiblingIsFoundBesideThisProgram) {
  const std::string self = selfPath("launcher_common_tests");
  EXPECT_EQ(siblingProgram(nameOf(self)), self);
  // Not there: the bare name, for execvp to look up in the PATH.
  EXPECT_EQ(siblingProgram("cohort-no-such-tool"), "cohort-no-such-tool");
}

TEST(ProgramPath, ASiblingMustBeExecutable) {
  const std::string name = "cohort-sibling-probe-" + std::to_string(getpid());
  const std::string path = folderOf(selfPath("launcher_common_tests")) + "/" + name;
  std::ofstream(path) << "#!/bin/sh\n";
  ASSERT_EQ(chmod(path.c_str(), 0644), 0);
  EXPECT_EQ(siblingProgram(name), name);
  ASSERT_EQ(chmod(path.c_str(), 0755), 0);
  EXPECT_EQ(siblingProgram(name), path);
  unlink(path.c_str());
}

TEST(ProgramPath, ResolvesOnThePathAndRefusesWhatCannotRun) {
  EXPECT_EQ(findInPath("cohort-no-such-tool"), "");
  const std::string sh = findInPath("sh");
  ASSERT_FALSE(sh.empty());
  EXPECT_EQ(resolveProgram("sh"), sh);
  EXPECT_THROW(resolveProgram("cohort-no-such-tool"), ConfigError);
  EXPECT_THROW(resolveProgram("/"), ConfigError);                            // a folder
  EXPECT_THROW(resolveProgram("/nonexistent/cohort-program"), ConfigError);  // not there
}

}  // namespace
}  // namespace cohort::launcher
