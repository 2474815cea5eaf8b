// Where a program is: on the PATH, at a path the user gave, or beside the
// running tool. Every tool that starts another (cohortrun starting
// cohort-upload and cohort-model, cohort-sweep starting cohortrun) finds it
// here, so the tools work the same from build/bin and from an installed bin/.
#pragma once

#include <string>

namespace cohort::launcher {

// The absolute path of PROGRAM: itself when it holds a '/', else the first
// match in PATH. Throws ConfigError when it is missing, a folder, or not executable.
std::string resolveProgram(const std::string& program);

// The path of executable `name` in PATH, or "" (no throw).
std::string findInPath(const std::string& name);

// The running program's own path (/proc/self/exe). Throws ConfigError naming
// `tool` when it cannot be read.
std::string selfPath(const std::string& tool);

// `name` in the running program's folder when an executable is there (the
// tools are built into build/bin and installed into PREFIX/bin together),
// else `name` itself, for execvp to look up in the PATH.
std::string siblingProgram(const std::string& name);

}  // namespace cohort::launcher
