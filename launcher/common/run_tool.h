// Note [A tool's main]: every tool's main() is one call,
//
//   return cli::runTool("cohort-model", {2, 1}, [&] { ...parse, run...; return 0; });
//
// so every tool ends the same way when something fails: the error on
// standard error as "TOOL: error: WHAT" and "  what to do: HINT" (the text of
// cohort::Error), and an exit status that says what kind of failure it was.
// A bad command line (CommandLine's ConfigError) is 2 in every tool; what
// else a ConfigError or another error means is each tool's own, documented
// in its --help (ToolExits). A body that returns gives its own status.
#pragma once

#include <functional>
#include <string>

namespace cohort::cli {

// The exit statuses of a tool's failures.
struct ToolExits {
  int config_error = 2;  // a cohort::ConfigError: bad command line, setting or input
  int error = 1;         // any other cohort::Error or std::exception
};

// Runs `body` and returns its status; on an exception prints it as above,
// prefixed with `tool`, and returns the status `exits` gives it.
int runTool(const std::string& tool, ToolExits exits, const std::function<int()>& body);

}  // namespace cohort::cli
