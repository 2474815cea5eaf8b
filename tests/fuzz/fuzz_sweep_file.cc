// A sweep file (YAML), as cohort-sweep run reads it.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cohort/sweep/sweep_file.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  cohort::fuzz::refusedOrRead([&] { cohort::sweep::parseSweep(text, "sweep.yaml"); });
  return 0;
}
