// Starting programs (child_process.h) and copying their output
// (output_pump.h): exit codes and signals, streams, environment, process
// groups, and a program that cannot be run.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>

#include "common/child_process.h"
#include "common/output_pump.h"
#include "common/posix_io.h"

namespace cohort::launcher {
namespace {

// Runs `spec` (stdout and stderr piped) to its end; its lines tagged "out: "/"err: ".
struct Ran {
  ExitStatus status;
  std::vector<std::string> lines;
};

Ran runToEnd(ChildSpec spec) {
  if (spec.out == Stream::kInherit) spec.out = Stream::kPipe;
  if (spec.err == Stream::kInherit) spec.err = Stream::kPipe;
  ChildProcess child(spec);
  Ran ran;
  OutputPump pump;
  pump.add(child.takeStdout(), [&](const std::string& l) { ran.lines.push_back("out: " + l); });
  if (spec.err == Stream::kPipe) {
    pump.add(child.takeStderr(), [&](const std::string& l) { ran.lines.push_back("err: " + l); });
  }
  const double deadline = unixNow() + 20;
  while (pump.openCount() > 0 && unixNow() < deadline) pump.pump(100);
  pump.finish();
  ran.status = child.wait();
  return ran;
}

ChildSpec shell(const std::string& script) {
  ChildSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  return spec;
}

TEST(ChildProcess, ExitCodeSignalAndBothStreams) {
  Ran ran = runToEnd(shell("echo one; echo two >&2; printf 'no newline'; exit 3"));
  EXPECT_EQ(ran.status.exit_code, 3);
  EXPECT_EQ(ran.status.signal, 0);
  EXPECT_EQ(ran.lines.size(), 3u);
  EXPECT_NE(std::find(ran.lines.begin(), ran.lines.end(), "err: two"), ran.lines.end());
  EXPECT_NE(std::find(ran.lines.begin(), ran.lines.end(), "out: no newline"), ran.lines.end())
      << "the last line without its newline is passed on too";

  Ran killed = runToEnd(shell("kill -KILL $$"));
  EXPECT_EQ(killed.status.exit_code, -1);
  EXPECT_EQ(killed.status.signal, SIGKILL);
}

TEST(ChildProcess, StderrLikeStdoutAndStdinFromNull) {
  ChildSpec spec = shell("cat; echo to-err >&2");
  spec.in = Stream::kNull;
  spec.err = Stream::kLikeStdout;
  Ran ran = runToEnd(spec);
  EXPECT_EQ(ran.status.exit_code, 0);
  EXPECT_EQ(ran.lines, std::vector<std::string>{"out: to-err"});
}

TEST(ChildProcess, EnvironmentIsSetOnTopAndPathSearchUsesIt) {
  ChildSpec spec;
  spec.argv = {"sh", "-c", "echo \"$COHORT_TEST_A $HOME\""};
  spec.env = {{"COHORT_TEST_A", "a b"}, {"HOME", "/nowhere"}};
  Ran ran = runToEnd(spec);
  EXPECT_EQ(ran.lines, std::vector<std::string>{"out: a b /nowhere"});

  ChildSpec empty_path;
  empty_path.argv = {"sh", "-c", "true"};
  empty_path.env = {{"PATH", "/no-such-folder"}};
  EXPECT_EQ(runToEnd(empty_path).status.exit_code, 127) << "execvp searched the child's PATH";
}

TEST(ChildProcess, AProgramThatCannotRunSaysSoAndExits127) {
  ChildSpec spec;
  spec.argv = {"/no/such/program", "x"};
  spec.exec_error_prefix = "cohortrun: ";
  spec.exec_error_hint = " (a hint)";
  Ran ran = runToEnd(spec);
  EXPECT_EQ(ran.status.exit_code, 127);
  ASSERT_EQ(ran.lines.size(), 1u);
  EXPECT_EQ(ran.lines[0],
            "err: cohortrun: cannot run /no/such/program: No such file or directory (a hint)");
}

TEST(ChildProcess, OwnGroupSignalledTogether) {
  ChildSpec spec = shell("sleep 30 & echo started; wait");
  spec.out = Stream::kPipe;
  ChildProcess child(spec);
  EXPECT_EQ(getpgid(child.pid()), child.pid())
      << "the group exists as soon as the constructor returns";
  OutputPump pump;
  bool started = false;
  pump.add(child.takeStdout(), [&](const std::string& l) { started |= l == "started"; });
  const double deadline = unixNow() + 20;
  while (!started && unixNow() < deadline) pump.pump(100);
  ASSERT_TRUE(started);
  EXPECT_FALSE(child.poll());
  child.signalGroup(SIGTERM);
  EXPECT_EQ(child.wait().signal, SIGTERM);
  while (pump.openCount() > 0 && unixNow() < deadline) pump.pump(100);
  EXPECT_EQ(pump.openCount(), 0u) << "the background sleep got the signal too and closed the pipe";
}

TEST(ChildProcess, StdinPipeClosedMeansEndOfInput) {
  ChildSpec spec = shell("cat >/dev/null; echo stdin-closed");
  spec.in = Stream::kPipe;
  spec.out = Stream::kPipe;
  ChildProcess child(spec);
  std::vector<std::string> lines;
  OutputPump pump;
  pump.add(child.takeStdout(), [&](const std::string& l) { lines.push_back(l); });
  ASSERT_TRUE(writeAll(child.stdinPipe().fd, std::string("ignored\n")));
  pump.pump(200);
  EXPECT_TRUE(lines.empty());
  child.stdinPipe().reset();
  const double deadline = unixNow() + 20;
  while (pump.openCount() > 0 && unixNow() < deadline) pump.pump(100);
  EXPECT_EQ(lines, std::vector<std::string>{"stdin-closed"});
  EXPECT_EQ(child.wait().exit_code, 0);
}

TEST(RunCommand, OutputExitStatusAndTimeout) {
  std::string output;
  EXPECT_EQ(runCommand({"sh", "-c", "echo hello; echo world >&2; exit 4"}, &output, 10), 4);
  EXPECT_EQ(output, "hello\nworld\n");
  EXPECT_EQ(runCommand({"no-such-program-for-cohort"}, &output, 10), 127);
  EXPECT_NE(output.find("cannot run no-such-program-for-cohort"), std::string::npos);
  const double start = unixNow();
  EXPECT_EQ(runCommand({"sleep", "30"}, &output, 0.5), -1);
  EXPECT_LT(unixNow() - start, 5);
}

}  // namespace
}  // namespace cohort::launcher
