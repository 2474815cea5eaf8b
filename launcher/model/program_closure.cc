#include "model/program_closure.h"

#include <filesystem>
#include <sstream>

#include "cohort/core/error.h"
#include "common/posix_io.h"

namespace cohort::model {

namespace fs = std::filesystem;

namespace {

std::string realFile(const std::string& path, const std::string& what) {
  std::error_code error;
  const fs::path real = fs::canonical(path, error);
  COHORT_CHECK(!error && fs::is_regular_file(real, error), ConfigError,
               what + " " + path + " is not a readable file", "check the program's installation");
  return real.string();
}

}  // namespace

ProgramClosure readLddOutput(const std::string& program, const std::string& output) {
  ProgramClosure closure;
  closure.program = realFile(program, "the program");
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    const size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos) continue;
    line = line.substr(start);
    // "NAME => PATH (0x...)", "NAME => not found", "/lib64/ld-linux... (0x...)",
    // "linux-vdso.so.1 (0x...)" (in the kernel: nothing to copy), "statically linked".
    const size_t arrow = line.find(" => ");
    if (arrow == std::string::npos) {
      if (line[0] == '/') {
        closure.loader = line.substr(0, line.find(' '));
        closure.loader_file = realFile(closure.loader, "the program interpreter");
      }
      continue;
    }
    const std::string soname = line.substr(0, arrow);
    const std::string rest = line.substr(arrow + 4);
    if (rest.rfind("not found", 0) == 0) {
      throw ConfigError(program + " needs " + soname + ", which is not found here",
                        "install it, or point LD_LIBRARY_PATH at it, before building the image");
    }
    const std::string path = rest.substr(0, rest.find(" ("));
    if (path.empty() || path[0] != '/') continue;
    closure.libraries.emplace_back(soname, realFile(path, "the library"));
  }
  return closure;
}

ProgramClosure programClosure(const std::string& program) {
  std::string output;
  const int status = launcher::runCommand({"ldd", program}, &output, 60);
  if (status != 0) {
    throw ConfigError("cannot list the libraries of " + program +
                          " (ldd: " + launcher::trimmedOutput(output).substr(0, 300) + ")",
                      "name a dynamically linked Linux program built on this machine");
  }
  return readLddOutput(program, output);
}

}  // namespace cohort::model
