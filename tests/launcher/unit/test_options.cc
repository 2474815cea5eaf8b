// cohortrun's command line (options.h): every option, and errors that say
// what to write instead.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "cohort/core/error.h"
#include "cohortrun/options.h"
#include "common/duration.h"

namespace cohort::launcher {
namespace {

using Args = std::vector<std::string>;

std::string optionsErrorOf(const Args& args) {
  try {
    parseOptions(args);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

void expectError(const Args& args, const std::string& fragment) {
  std::string message = optionsErrorOf(args);
  EXPECT_NE(message.find(fragment), std::string::npos) << "error for args: " << message;
}

TEST(Options, Defaults) {
  Options o = parseOptions({"--", "./train"});
  EXPECT_EQ(o.nodes, 0);
  EXPECT_EQ(o.procs_per_node, 0);
  EXPECT_EQ(o.outputs, "./outputs");
  EXPECT_EQ(o.logs, "./logs");
  EXPECT_EQ(o.max_restarts, 0);
  EXPECT_EQ(o.grace_s, 10);
  EXPECT_EQ(o.console_ranks.text(), "all");
  EXPECT_EQ(o.program, (Args{"./train"}));
}

// --env-file: NAME=VALUE lines in order after --env, comments and blank
// lines skipped; a bad line is named by its number, never shown (a secret).
TEST(Options, EnvFile) {
  const std::string path = ::testing::TempDir() + "/cohortrun-env-" + std::to_string(::getpid());
  std::ofstream(path) << "# a comment\n\nKEY=se=cret\nEMPTY=\n";
  Options o = parseOptions({"--env", "A=1", "--env-file", path, "--", "x"});
  ASSERT_EQ(o.env.size(), 3u);
  EXPECT_EQ(o.env[1], std::make_pair(std::string("KEY"), std::string("se=cret")));
  EXPECT_EQ(o.env[2], std::make_pair(std::string("EMPTY"), std::string()));
  std::ofstream(path) << "GOOD=1\nbad-name=hunter2\n";
  const std::string message = optionsErrorOf({"--env-file", path, "--", "x"});
  EXPECT_NE(message.find(path + ":2 is not a NAME=VALUE line"), std::string::npos) << message;
  EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  std::ofstream(path) << "COHORT_RANK=0\n";
  expectError({"--env-file", path, "--", "x"}, "cohortrun sets COHORT_RANK");
  std::remove(path.c_str());
}

TEST(Options, EveryOptionBothSpellings) {
  Options o = parseOptions({"--nodes",
                            "2",
                            "--procs-per-node=4",
                            "--hosts",
                            "a:4,b:4",
                            "--max-restarts",
                            "3",
                            "--outputs=o",
                            "--logs",
                            "l",
                            "--env",
                            "A=1",
                            "--env=B=x=y",
                            "--console-ranks",
                            "0,2-3",
                            "--timeout",
                            "1.5h",
                            "--grace-period=30s",
                            "--dry-run",
                            "--network",
                            "10.0.0.0/8",
                            "--run-id",
                            "exp-1",
                            "--engine-option",
                            "--mca",
                            "--engine",
                            "mpirun",
                            "--",
                            "./train",
                            "--epochs",
                            "3"});
  EXPECT_EQ(o.nodes, 2);
  EXPECT_EQ(o.procs_per_node, 4);
  EXPECT_EQ(o.hosts, "a:4,b:4");
  EXPECT_EQ(o.max_restarts, 3);
  EXPECT_EQ(o.outputs, "o");
  EXPECT_EQ(o.logs, "l");
  ASSERT_EQ(o.env.size(), 2u);
  EXPECT_EQ(o.env[1], std::make_pair(std::string("B"), std::string("x=y")));
  EXPECT_EQ(o.console_ranks.text(), "0,2-3");
  EXPECT_TRUE(o.console_ranks.contains(3));
  EXPECT_FALSE(o.console_ranks.contains(1));
  EXPECT_EQ(o.timeout_s, 5400);
  EXPECT_EQ(o.grace_s, 30);
  EXPECT_TRUE(o.dry_run);
  EXPECT_EQ(o.network, "10.0.0.0/8");
  EXPECT_EQ(o.run_id, "exp-1");
  EXPECT_EQ(o.engine_options, (Args{"--mca"}));
  EXPECT_EQ(o.engine, EngineChoice::kMpirun);
  EXPECT_EQ(o.program, (Args{"./train", "--epochs", "3"}));
}

TEST(Options, ProgramWithoutDoubleDash) {
  Options o = parseOptions({"--procs-per-node", "2", "./train", "--lr", "0.1"});
  EXPECT_EQ(o.program, (Args{"./train", "--lr", "0.1"}));
}

TEST(Options, EverythingAfterTheProgramIsItsOwn) {
  EXPECT_EQ(parseOptions({"--", "./train", "--", "-h", "--nodes=3", "-np"}).program,
            (Args{"./train", "--", "-h", "--nodes=3", "-np"}));
  EXPECT_EQ(parseOptions({"--nodes", "1", "./train", "-x", "--", "--help"}).program,
            (Args{"./train", "-x", "--", "--help"}));
  EXPECT_EQ(parseOptions({"--engine-option", "--", "--", "x"}).engine_options, (Args{"--"}))
      << "a value is taken whatever it looks like";
}

TEST(Options, HelpAndVersionNeedNoProgram) {
  EXPECT_TRUE(parseOptions({"--help"}).help);
  EXPECT_TRUE(parseOptions({"-h"}).help);
  EXPECT_TRUE(parseOptions({"--version"}).version);
  EXPECT_NE(helpText().find("Examples:"), std::string::npos);
  for (const char* listed :
       {"--nodes N", "--upload-interval DURATION", "--engine auto|mpirun|srun", "--dry-run",
        "-h,--help", "cohortrun --procs-per-node 4 -- ./trainer --epochs 3"}) {
    EXPECT_NE(helpText().find(listed), std::string::npos) << listed;
  }
  EXPECT_EQ(helpText().find('{'), std::string::npos) << "no CLI11 syntax in the help";
}

TEST(Options, MissingProgram) {
  expectError({}, "no program to run");
  expectError({"--procs-per-node", "2"}, "cohortrun [options] -- PROGRAM");
  expectError({"--procs-per-node", "2", "--"}, "no program to run");
}

TEST(Options, UnknownOptionsSayWhatToWrite) {
  expectError({"-np", "4", "--", "x"}, "--nodes N --procs-per-node P");
  expectError({"--nproc_per_node", "4", "--", "x"}, "write --procs-per-node P");
  expectError({"--nnodes", "2", "--", "x"}, "write --nodes N");
  expectError({"-H", "a,b", "--", "x"}, "--hosts h1:4,h2:4");
  expectError({"--procs-per-nod", "2", "--", "x"}, "did you mean --procs-per-node?");
  expectError({"--max-restart", "2", "--", "x"}, "did you mean --max-restarts?");
  expectError({"--epochs", "3"}, "put the program after '--'");
  expectError({"--max-restart=2", "--", "x"}, "unknown option '--max-restart'");
  expectError({"-np", "4", "--", "x"}, "(cohortrun --help lists every option)");
}

TEST(Options, BadValues) {
  expectError({"--nodes", "0", "--", "x"},
              "--nodes '0' is out of range: a whole number from 1 to 1000000");
  expectError({"--procs-per-node", "two", "--", "x"}, "--procs-per-node 'two'");
  expectError({"--max-restarts", "-1", "--", "x"}, "--max-restarts '-1'");
  expectError({"--timeout", "soon", "--", "x"}, "--timeout 90s, 30m or 12h");
  expectError({"--timeout", "0", "--", "x"}, "is not a duration");
  expectError({"--env", "NOEQUALS", "--", "x"}, "is not NAME=VALUE");
  expectError({"--env", "1A=2", "--", "x"}, "is not NAME=VALUE");
  expectError({"--env", "COHORT_RANK=3", "--", "x"}, "cohortrun sets COHORT_RANK");
  expectError({"--env-file", "/nonexistent/env", "--", "x"},
              "--env-file: cannot read /nonexistent/env: No such file or directory");
  expectError({"--console-ranks", "1-", "--", "x"}, "'1-' is not a rank or a range");
  expectError({"--engine", "pbs", "--", "x"}, "--engine mpirun, srun or auto");
  expectError({"--run-id", "a/b", "--", "x"}, "is not a run id");
  expectError({"--nodes"}, "--nodes needs a value");
  expectError({"--dry-run=yes", "--", "x"}, "--dry-run takes no value");
  expectError({"--dry-run=true", "--", "x"}, "--dry-run takes no value");
  expectError({"--help=1"}, "--help takes no value");
  expectError({"--nodes", "2000000", "--", "x"},
              "--nodes '2000000' is out of range: a whole number from 1 to 1000000");
  expectError({"--max-restarts", "1.5", "--", "x"}, "--max-restarts '1.5' is not a whole number");
}

TEST(Options, Contradictions) {
  expectError({"--hosts", "a", "--hostfile", "f", "--", "x"}, "give the hosts once");
  expectError({"--slurm-submit", "--hosts", "a", "--", "x"}, "Slurm chooses the hosts");
  expectError({"--slurm-submit", "--engine", "mpirun", "--", "x"}, "drop --engine");
  expectError({"--sbatch-option", "--time=1", "--", "x"}, "add --slurm-submit");
  expectError({"--network", "eth0", "--", "x"}, "--network without a host list");
}

TEST(Options, Durations) {
  double s = 0;
  EXPECT_TRUE(parseDuration("90", &s));
  EXPECT_EQ(s, 90);
  EXPECT_TRUE(parseDuration("2m", &s));
  EXPECT_EQ(s, 120);
  EXPECT_TRUE(parseDuration("0.5s", &s));
  EXPECT_EQ(s, 0.5);
  EXPECT_FALSE(parseDuration("", &s));
  EXPECT_FALSE(parseDuration("5d", &s));
  EXPECT_FALSE(parseDuration("-1", &s));
  // durationText writes what parseDuration reads, to the millisecond.
  EXPECT_EQ(durationText(10), "10");
  EXPECT_EQ(durationText(7.5), "7.5");
  EXPECT_EQ(durationText(0.25), "0.25");
  for (double v : {0.0, 0.001, 2.5, 90.0, 1234.567, 1e6, 86400.0 * 30}) {
    ASSERT_TRUE(parseDuration(durationText(v), &s)) << durationText(v);
    EXPECT_NEAR(s, v, 5e-4) << durationText(v);
  }
}

TEST(Options, EnvValuesHiddenFromTheRecord) {
  const std::vector<std::string> argv = {"cohortrun", "--env", "KEY=secret", "--env=TOKEN=abc=d",
                                         "--nodes",   "1",     "--",         "train",
                                         "--env",     "X=1"};
  const std::vector<std::string> expected = {
      "cohortrun", "--env", "KEY=<hidden>", "--env=TOKEN=<hidden>", "--nodes", "1", "--",
      "train",     "--env", "X=1"};
  EXPECT_EQ(withoutEnvValues(argv), expected) << "the program's own arguments are its business";
}

}  // namespace
}  // namespace cohort::launcher
