// The files a dynamically linked program needs to run on a machine with
// nothing else: the program, its program interpreter (the dynamic loader)
// and every shared library it loads, as `ldd` resolves them here.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace cohort::model {

struct ProgramClosure {
  std::string program;      // the program's real path
  std::string loader;       // the interpreter's path as the program names it
                            // ("/lib64/ld-linux-x86-64.so.2"); "" when static
  std::string loader_file;  // the file it resolves to here
  // Each library: the name the loader looks up (its soname) and the real file.
  std::vector<std::pair<std::string, std::string>> libraries;
};

// Runs `ldd PROGRAM` and reads it. Throws ConfigError naming a library that
// is not found, or a program that is not a Linux executable.
ProgramClosure programClosure(const std::string& program);

// The same from ldd's output (tests/image/test_program_closure.cc).
ProgramClosure readLddOutput(const std::string& program, const std::string& output);

}  // namespace cohort::model
