// A data set's index.json, as the loader and cohort-pack read it.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cohort/data/manifest.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  cohort::fuzz::refusedOrRead([&] {
    const auto manifest = cohort::data::Manifest::parse(text, "index.json");
    // What parse accepts, it writes back as text it reads the same.
    const std::string written = manifest.serialize();
    if (cohort::data::Manifest::parse(written, "index.json, written").serialize() != written) {
      std::abort();
    }
  });
  return 0;
}
