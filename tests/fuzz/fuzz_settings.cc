// Every COHORT_* setting, read from an environment whose lines
// (NAME=VALUE) are the input.
#include <cstdint>
#include <cstdlib>
#include <string>

#include <map>
#include <sstream>
#include "fuzz_util.h"

#include "cohort/core/env.h"
#include "cohort/core/settings.h"

using namespace cohort;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::map<std::string, std::string> env;
  std::istringstream lines(std::string(reinterpret_cast<const char*>(data), size));
  for (std::string line; std::getline(lines, line);) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
  }
  fuzz::refusedOrRead([&] { Settings::fromEnvironment(mapEnv(env)).describe(); });
  return 0;
}
