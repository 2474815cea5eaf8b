// cohort-sweep: hyperparameter sweeps whose trials are cohortrun jobs
// (docs/sweep.md). Its command line follows Note [Command lines].
//
//   cohort-sweep run sweep.yaml [--dir sweeps/NAME]
//   cohort-sweep status sweeps/NAME [--json]
//   cohort-sweep best sweeps/NAME [-n 5] [--json]
//   cohort-sweep report sweeps/NAME [-o report.html]
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "common/command_line.h"
#include "common/posix_io.h"
#include "common/program_path.h"
#include "common/run_tool.h"
#include "sweep/driver.h"
#include "sweep/sweep_commands.h"

namespace {

namespace fs = std::filesystem;
using cohort::cli::CommandLine;
using S = const std::string&;

constexpr const char* kDescription =
    R"(cohort-sweep: hyperparameter sweeps whose trials are cohortrun jobs, with early termination, resume, an SQLite store and an HTML report

usage: cohort-sweep [--json] COMMAND ARGS... [options]

`cohort-sweep COMMAND --help` describes each command; docs/sweep.md the sweep file.)";

constexpr const char* kFooter = R"(Examples:
  cohort-sweep run examples/fashion_mnist/sweep.yaml --dir sweeps/fashion-mnist
  cohort-sweep status sweeps/fashion-mnist
  cohort-sweep best sweeps/fashion-mnist -n 3 --json
  cohort-sweep report sweeps/fashion-mnist -o report.html

Exit status: 0 done; 2 bad command line, sweep file or sweep folder (nothing was started);
1 a failure, or (run) no trial completed; 7 (run) the trials ran but the best trial's
registration failed; 128+S (run) stopped by signal S, the stopped trials requeued.)";

struct SweepCommand {
  bool json = false;
  bool help = false;
  cohort::sweep_tool::DriverOptions run;
  std::string dir, out;
  int count = 5;
};

std::string footer(const std::string& examples) { return "Examples:\n" + examples; }

// Every command of cohort-sweep and its options, described once.
void defineCommands(CommandLine& cl, SweepCommand& c) {
  cl.flag("--json", "print JSON instead of a table (status, best)", [&c] { c.json = true; });
  cl.helpFlag(&c.help);

  CommandLine& run = cl.command(
      "run", "run the sweep FILE describes, or resume it where its folder left it",
      "cohort-sweep run FILE [--dir DIR] [--cohortrun PATH] [--grace-period S] [--quiet]",
      "Each trial is a cohortrun job in DIR/trials/NNNNN; a killed driver resumes\n"
      "where it stopped when run again.",
      footer("  cohort-sweep run sweep.yaml --dir sweeps/lr\n"));
  run.argument("FILE", "the sweep file (YAML; docs/sweep.md)", true,
               [&c](S v) { c.run.sweep_file = v; });
  run.value("--dir", "DIR",
            "the sweep folder: store, trials, report (default:\n"
            "sweeps/ and the file's name without .yaml)",
            [&c](S, S v) { c.run.dir = v; });
  run.value("--cohortrun", "PATH",
            "the launcher for each trial (default: cohortrun beside\ncohort-sweep)",
            [&c](S, S v) { c.run.cohortrun = v; });
  const CommandLine* r = &run;
  run.value("--grace-period", "S",
            "seconds a stopped trial gets between SIGTERM and\nSIGKILL (default 10)",
            [&c, r](S n, S v) { c.run.grace_s = r->nonNegative(n, v, 3600); });
  run.flag("--quiet", "no progress lines (driver.log has them anyway)",
           [&c] { c.run.quiet = true; });

  CommandLine& status = cl.command("status", "every trial: state, value, parameters, reason",
                                   "cohort-sweep status DIR [--json]", "",
                                   footer("  cohort-sweep status sweeps/lr\n"));
  status.argument("DIR", "the sweep folder", true, [&c](S v) { c.dir = v; });

  CommandLine& best = cl.command("best", "the best completed trials, best first",
                                 "cohort-sweep best DIR [-n N] [--json]", "",
                                 footer("  cohort-sweep best sweeps/lr -n 3 --json\n"));
  best.argument("DIR", "the sweep folder", true, [&c](S v) { c.dir = v; });
  const CommandLine* b = &best;
  best.value("-n,--count", "N", "how many (default 5)",
             [&c, b](S n, S v) { c.count = static_cast<int>(b->count(n, v, 1, 1000000)); });

  CommandLine& report =
      cl.command("report", "write one self-contained HTML file: trials, curves, parameters",
                 "cohort-sweep report DIR [-o FILE]", "",
                 footer("  cohort-sweep report sweeps/lr -o report.html\n"));
  report.argument("DIR", "the sweep folder", true, [&c](S v) { c.dir = v; });
  report.value("-o,--output", "FILE", "the file to write (default DIR/report.html)",
               [&c](S, S v) { c.out = v; });
}

int runCommand(const CommandLine& cl, SweepCommand& c) {
  namespace tool = cohort::sweep_tool;
  const std::string command = cl.chosenCommand();
  if (command == "run") {
    if (c.run.dir.empty()) c.run.dir = "sweeps/" + fs::path(c.run.sweep_file).stem().string();
    c.run.dir = cohort::launcher::absolutePath(c.run.dir);
    if (c.run.cohortrun.empty()) c.run.cohortrun = cohort::launcher::siblingProgram("cohortrun");
    return tool::runSweep(c.run);
  }
  if (command == "status") return tool::printStatus(c.dir, c.json);
  if (command == "best") return tool::printBest(c.dir, c.count, c.json);
  return tool::writeReport(c.dir, c.out);
}

}  // namespace

int main(int argc, char** argv) {
  SweepCommand c;
  CommandLine cl("cohort-sweep", kDescription, kFooter);
  defineCommands(cl, c);
  return cohort::cli::runTool("cohort-sweep", {2, 1}, [&] {
    cl.parse(std::vector<std::string>(argv + 1, argv + argc));
    if (c.help) {
      std::cout << cl.help();
      return 0;
    }
    return runCommand(cl, c);
  });
}
