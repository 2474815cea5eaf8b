// What every fuzz target shares (Note [Fuzz targets] in CMakeLists.txt).
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "cohort/core/error.h"

namespace cohort::fuzz {

// Runs `parse` on hostile input. Refusing it with one of cohort's errors is
// the contract, and its message must say something; any other exception
// escapes, and libFuzzer reports it as a crash (an nlohmann or std
// exception that leaked out of a parser is a defect too).
template <typename Parse>
void refusedOrRead(Parse&& parse) {
  try {
    parse();
  } catch (const Error& e) {
    if (e.detail().empty()) std::abort();
  }
}

// The input as `n` strings (FuzzedDataProvider's random-length strings, the
// last one taking what is left), for targets that read several files.
std::vector<std::string> parts(const uint8_t* data, size_t size, size_t n);

// A folder of this process's own under $TMPDIR (or /tmp), emptied by
// clear() and removed when the process exits.
class Scratch {
 public:
  static Scratch& get();
  const std::filesystem::path& path() const { return path_; }
  // Removes everything in the folder, and returns it.
  const std::filesystem::path& clear();
  // Writes `bytes` to `name` (a path under the folder; its folders are made).
  std::filesystem::path write(const std::string& name, const std::string& bytes) const;

 private:
  Scratch();
  std::filesystem::path path_;
};

}  // namespace cohort::fuzz
