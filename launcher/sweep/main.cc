// cohort-sweep: hyperparameter sweeps whose trials are cohortrun jobs
// (docs/sweep.md).
//
//   cohort-sweep run sweep.yaml [--dir sweeps/NAME]
//   cohort-sweep status sweeps/NAME [--json]
//   cohort-sweep best sweeps/NAME [-n 5] [--json]
//   cohort-sweep report sweeps/NAME [-o report.html]
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>

#include "cohort/core/error.h"
#include "driver.h"
#include "posix_io.h"
#include "sweep_commands.h"

namespace {

namespace fs = std::filesystem;

// cohortrun beside this program (as installed and as built), else the PATH's.
std::string defaultCohortrun() {
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  if (!error) {
    const fs::path beside = self.parent_path() / "cohortrun";
    if (::access(beside.c_str(), X_OK) == 0) return beside.string();
  }
  return "cohortrun";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app(
      "cohort-sweep: hyperparameter sweeps whose trials are cohortrun jobs, with early "
      "termination, resume, an SQLite store and an HTML report.",
      "cohort-sweep");
  app.require_subcommand(1);
  app.fallthrough();
  bool as_json = false;
  app.add_flag("--json", as_json, "print JSON instead of a table (status, best)");

  cohort::sweep_tool::DriverOptions run;
  auto* c_run = app.add_subcommand(
      "run", "run the sweep FILE describes, or resume it where its folder left it");
  c_run->add_option("file", run.sweep_file, "the sweep file (YAML; docs/sweep.md)")->required();
  c_run->add_option("--dir", run.dir,
                    "the sweep folder: store, trials, report (default: sweeps/ and the file's "
                    "name without .yaml)");
  c_run->add_option("--cohortrun", run.cohortrun,
                    "the launcher for each trial (default: cohortrun beside cohort-sweep)");
  c_run
      ->add_option("--grace-period", run.grace_s,
                   "seconds a stopped trial gets between SIGTERM and SIGKILL (default 10)")
      ->check(CLI::Range(0.0, 3600.0));
  c_run->add_flag("--quiet", run.quiet, "no progress lines (driver.log has them anyway)");

  std::string dir, out;
  int count = 5;
  auto* c_status = app.add_subcommand("status", "every trial: state, value, parameters, reason");
  c_status->add_option("dir", dir, "the sweep folder")->required();
  auto* c_best = app.add_subcommand("best", "the best completed trials, best first");
  c_best->add_option("dir", dir, "the sweep folder")->required();
  c_best->add_option("-n,--count", count, "how many (default 5)")->check(CLI::Range(1, 1000000));
  auto* c_report = app.add_subcommand(
      "report", "write one self-contained HTML file: trials, curves, parameters");
  c_report->add_option("dir", dir, "the sweep folder")->required();
  c_report->add_option("-o,--output", out, "the file to write (default DIR/report.html)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help: 0 on stdout; a bad command line: what to write, and 2 (CLI11's
    // own codes, 105 and up, are not the convention of cohort's tools).
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    if (c_run->parsed()) {
      if (run.dir.empty()) run.dir = "sweeps/" + fs::path(run.sweep_file).stem().string();
      run.dir = cohort::launcher::absolutePath(run.dir);
      if (run.cohortrun.empty()) run.cohortrun = defaultCohortrun();
      return cohort::sweep_tool::runSweep(run);
    }
    if (c_status->parsed()) return cohort::sweep_tool::printStatus(dir, as_json);
    if (c_best->parsed()) return cohort::sweep_tool::printBest(dir, count, as_json);
    if (c_report->parsed()) return cohort::sweep_tool::writeReport(dir, out);
  } catch (const cohort::ConfigError& e) {
    std::fprintf(stderr, "cohort-sweep: %s\n  what to do: %s\n", e.detail().c_str(),
                 e.hint().c_str());
    return 2;
  } catch (const cohort::Error& e) {
    std::fprintf(stderr, "cohort-sweep: %s\n  what to do: %s\n", e.detail().c_str(),
                 e.hint().c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cohort-sweep: %s\n", e.what());
    return 1;
  }
  return 2;
}
