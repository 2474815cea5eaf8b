// The tools' command line (command_line.h, See Note [Command lines]): options,
// arguments, and the commands of cohort-model and cohort-sweep, with their
// help and their errors.
#include <gtest/gtest.h>

#include "cohort/core/error.h"
#include "common/command_line.h"

namespace cohort::cli {
namespace {

using S = const std::string&;

// A tool shaped like cohort-model: its own options, and commands with theirs.
struct Tool {
  bool json = false, help = false, remove = false;
  std::string registry, model, dir;
  double hours = 24;
  CommandLine cl{"tool", "tool: a test tool\n\nusage: tool [--json] COMMAND",
                 "Examples:\n  tool show m\n"};

  Tool() {
    cl.flag("--json", "print JSON", [this] { json = true; });
    cl.value("--registry", "URL", "where", [this](S, S v) { registry = v; });
    cl.helpFlag(&help);
    CommandLine& show =
        cl.command("show", "show one model", "tool show MODEL", "", "Examples:\n  tool show m:1\n");
    show.argument("MODEL", "NAME:VERSION", true, [this](S v) { model = v; });
    CommandLine& download = cl.command("download", "copy one model", "tool download MODEL DIR",
                                       "Checks every file.", "Examples:\n  tool download m d\n");
    download.argument("MODEL", "NAME:VERSION", true, [this](S v) { model = v; });
    download.argument("DIR", "a new folder", true, [this](S v) { dir = v; });
    CommandLine& gc = cl.command("gc", "remove leftovers", "tool gc [NAME] [--remove]", "",
                                 "Examples:\n  tool gc\n");
    gc.argument("NAME", "a model", false, [this](S v) { model = v; });
    gc.flag("--remove", "remove them", [this] { remove = true; });
    const CommandLine* g = &gc;
    gc.value("--older-than", "HOURS", "age",
             [this, g](S n, S v) { hours = g->nonNegative(n, v, 1e6); });
  }
};

// The ConfigError parse() throws for `args` ("" when it throws none).
std::string refusal(const std::vector<std::string>& args) {
  Tool t;
  try {
    t.cl.parse(args);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(CommandLineCommands, TheCommandItsArgumentsAndTheToolsOptions) {
  Tool t;
  t.cl.parse({"--registry", "/r", "download", "m:1", "d", "--json"});
  EXPECT_EQ(t.cl.chosenCommand(), "download");
  EXPECT_EQ(t.registry, "/r");
  EXPECT_EQ(t.model, "m:1");
  EXPECT_EQ(t.dir, "d");
  EXPECT_TRUE(t.json);  // the tool's option after the command
  EXPECT_FALSE(t.help);
}

TEST(CommandLineCommands, OptionalArgumentsAndTheCommandsOwnOptions) {
  Tool t;
  t.cl.parse({"gc", "--older-than", "0", "--remove"});
  EXPECT_EQ(t.cl.chosenCommand(), "gc");
  EXPECT_EQ(t.model, "");
  EXPECT_EQ(t.hours, 0);
  EXPECT_TRUE(t.remove);
}

TEST(CommandLineCommands, MistakesSayWhatToWrite) {
  EXPECT_NE(refusal({}).find("no command"), std::string::npos);
  EXPECT_NE(refusal({}).find("show, download, gc"), std::string::npos);
  EXPECT_NE(refusal({"frobnicate"}).find("unknown command 'frobnicate'"), std::string::npos);
  const std::string missing = refusal({"download", "m:1"});
  EXPECT_NE(missing.find("tool download needs DIR"), std::string::npos) << missing;
  EXPECT_NE(missing.find("write tool download MODEL DIR"), std::string::npos) << missing;
  EXPECT_NE(refusal({"show", "a", "b"}).find("unexpected argument 'b'"), std::string::npos);
  const std::string typo = refusal({"gc", "--remov"});
  EXPECT_NE(typo.find("unknown option '--remov'"), std::string::npos) << typo;
  EXPECT_NE(typo.find("did you mean --remove?"), std::string::npos) << typo;
  EXPECT_NE(typo.find("(tool gc --help lists every option)"), std::string::npos) << typo;
  EXPECT_NE(refusal({"gc", "--remove=yes"}).find("--remove takes no value"), std::string::npos);
  EXPECT_NE(refusal({"gc", "--older-than", "-1"})
                .find("--older-than '-1' is out of range: a number from 0 to"),
            std::string::npos);
  EXPECT_NE(refusal({"show", "m", "--registry"}).find("--registry needs a value"),
            std::string::npos);
  EXPECT_EQ(refusal({"show", "m"}), "");
}

TEST(CommandLineCommands, TheToolsHelpListsTheCommands) {
  Tool t;
  t.cl.parse({"--help"});
  EXPECT_TRUE(t.help);
  const std::string help = t.cl.help();
  EXPECT_EQ(help.rfind("tool: a test tool\n\nusage: tool [--json] COMMAND\n", 0), 0u) << help;
  EXPECT_NE(help.find("Commands:"), std::string::npos) << help;
  EXPECT_NE(help.find("download"), std::string::npos) << help;
  EXPECT_NE(help.find("copy one model"), std::string::npos) << help;
  EXPECT_NE(help.find("-h,--help"), std::string::npos) << help;
  EXPECT_NE(help.find("Examples:\n  tool show m\n"), std::string::npos) << help;
  EXPECT_EQ(help.find("Checks every file."), std::string::npos) << help;  // the command's own
}

TEST(CommandLineCommands, ACommandsHelpIsItsOwn) {
  Tool t;
  t.cl.parse({"download", "--help"});  // no MODEL or DIR needed for the help
  EXPECT_TRUE(t.help);
  const std::string help = t.cl.help();
  EXPECT_EQ(help.rfind("tool download: copy one model\n\nusage: tool download MODEL DIR\n\n"
                       "Checks every file.\n",
                       0),
            0u)
      << help;
  EXPECT_NE(help.find("Arguments:"), std::string::npos) << help;
  EXPECT_NE(help.find("MODEL"), std::string::npos) << help;
  EXPECT_NE(help.find("-h,--help"), std::string::npos) << help;
  EXPECT_NE(help.find("Examples:\n  tool download m d\n"), std::string::npos) << help;
  EXPECT_EQ(help.find("Commands:"), std::string::npos) << help;
}

TEST(CommandLineNumbers, NonNegativeTakesZeroAndTheLimit) {
  Tool t;
  const CommandLine& cl = t.cl;
  EXPECT_EQ(cl.nonNegative("--x", "0", 10), 0);
  EXPECT_EQ(cl.nonNegative("--x", "10", 10), 10);
  EXPECT_THROW(cl.nonNegative("--x", "10.5", 10), ConfigError);
  EXPECT_THROW(cl.nonNegative("--x", "-1", 10), ConfigError);
  EXPECT_THROW(cl.nonNegative("--x", "nan", 10), ConfigError);
}

}  // namespace
}  // namespace cohort::cli
