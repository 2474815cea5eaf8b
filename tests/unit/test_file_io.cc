// The one atomic file write (cohort/core/file_io.h, Note [Atomic file writes]):
// the file replaced whole, a failure that names the file and leaves it as it
// was with no temporary file behind, and the fixed temporary name some
// writers ask for.
#include <dirent.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "cohort/core/file_io.h"

namespace cohort {
namespace {

class AtomicWriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/cohort_file_io.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  std::string read(const std::string& name) const {
    std::ifstream in(dir_ + "/" + name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    if (DIR* d = opendir(dir_.c_str())) {
      while (dirent* e = readdir(d)) {
        const std::string name = e->d_name;
        if (name != "." && name != "..") out.push_back(name);
      }
      closedir(d);
    }
    return out;
  }

  std::string dir_;
};

// Runs `body` in a child whose files may grow to `limit` bytes; its result.
int withFileSizeLimit(rlim_t limit, const std::function<int()>& body) {
  const pid_t child = fork();
  if (child == 0) {
    signal(SIGXFSZ, SIG_IGN);
    rlimit r{limit, limit};
    setrlimit(RLIMIT_FSIZE, &r);
    _exit(body());
  }
  int status = 0;
  if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

TEST_F(AtomicWriteTest, WritesAndReplacesTheWholeFile) {
  const std::string path = dir_ + "/record.json";
  std::string problem;
  ASSERT_TRUE(writeFileAtomically(path, "first\n", &problem)) << problem;
  EXPECT_EQ(read("record.json"), "first\n");
  ASSERT_TRUE(writeFileAtomically(path, "second, longer\n", &problem)) << problem;
  EXPECT_EQ(read("record.json"), "second, longer\n");
  ASSERT_TRUE(writeFileAtomically(path, "", &problem)) << problem;
  EXPECT_EQ(read("record.json"), "");
  EXPECT_EQ(names(), std::vector<std::string>{"record.json"}) << "a temporary file was left";
}

TEST_F(AtomicWriteTest, FillsThroughTheDescriptorItIsGiven) {
  std::string problem;
  ASSERT_TRUE(writeFileAtomically(dir_ + "/filled",
                                  [](int fd) { return writeAll(fd, "abc") && writeAll(fd, "def"); },
                                  &problem, {/*durable=*/false, ""}))
      << problem;
  EXPECT_EQ(read("filled"), "abcdef");
}

TEST_F(AtomicWriteTest, AFillThatFailsLeavesTheOldFileAndNoTemporary) {
  const std::string path = dir_ + "/kept";
  std::string problem;
  ASSERT_TRUE(writeFileAtomically(path, "old", &problem)) << problem;
  EXPECT_FALSE(writeFileAtomically(
      path,
      [](int fd) {
        writeAll(fd, "half");
        errno = ENOSPC;
        return false;
      },
      &problem));
  EXPECT_EQ(problem, "cannot write " + path + ": No space left on device");
  EXPECT_EQ(read("kept"), "old");
  EXPECT_EQ(names(), std::vector<std::string>{"kept"});
}

TEST_F(AtomicWriteTest, AFullDiskIsSaidAndLeavesNothingBehind) {
  const std::string path = dir_ + "/big";
  const int status = withFileSizeLimit(100, [&] {
    std::string problem;
    if (writeFileAtomically(path, std::string(4096, 'x'), &problem)) return 1;
    return problem == "cannot write " + path + ": File too large" ? 0 : 2;
  });
  EXPECT_EQ(status, 0) << "1: no failure; 2: the failure does not name the file and the reason";
  EXPECT_EQ(names(), std::vector<std::string>{});
}

TEST_F(AtomicWriteTest, AFolderThatCannotBeWrittenIsNamed) {
  std::string problem;
  EXPECT_FALSE(writeFileAtomically(dir_ + "/no-such-folder/x", "x", &problem));
  EXPECT_EQ(problem, "cannot write " + dir_ + "/no-such-folder/x: No such file or directory");
}

TEST_F(AtomicWriteTest, ARenameThatFailsIsNamedAndLeavesNoTemporary) {
  ASSERT_EQ(::mkdir((dir_ + "/a-folder").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((dir_ + "/a-folder/inside").c_str(), 0755), 0);
  std::string problem;
  EXPECT_FALSE(writeFileAtomically(dir_ + "/a-folder", "x", &problem));
  EXPECT_EQ(problem.rfind("cannot rename " + dir_ + "/a-folder.tmp.", 0), 0u) << problem;
  EXPECT_NE(problem.find(" to " + dir_ + "/a-folder: "), std::string::npos) << problem;
  EXPECT_EQ(names(), std::vector<std::string>{"a-folder"});
}

TEST_F(AtomicWriteTest, UsesTheTemporaryNameItIsGiven) {
  const std::string path = dir_ + "/latest";
  const std::string temporary = dir_ + "/.latest.tmp";
  std::string problem;
  bool seen = false;
  ASSERT_TRUE(writeFileAtomically(path,
                                  [&](int fd) {
                                    seen = ::access(temporary.c_str(), F_OK) == 0;
                                    return writeAll(fd, "step-1\n");
                                  },
                                  &problem, {/*durable=*/true, temporary}))
      << problem;
  EXPECT_TRUE(seen) << "the content did not go to " << temporary;
  EXPECT_EQ(read("latest"), "step-1\n");
  EXPECT_EQ(names(), std::vector<std::string>{"latest"});
}

TEST_F(AtomicWriteTest, TheFirstHalfRefusesATemporaryThatExists) {
  const std::string temporary = dir_ + "/x.partial";
  std::ofstream(temporary) << "someone else's";
  std::string problem;
  EXPECT_FALSE(writeTemporaryFile(
      dir_ + "/x", temporary, [](int fd) { return writeAll(fd, "mine"); }, false, &problem));
  EXPECT_EQ(problem, "cannot write " + dir_ + "/x: File exists");
  EXPECT_EQ(read("x.partial"), "someone else's") << "another writer's file was touched";
}

}  // namespace
}  // namespace cohort
