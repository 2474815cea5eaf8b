// A loader's state, as a checkpoint or a file holds it.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cohort/data/loader_state.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  cohort::fuzz::refusedOrRead([&] {
    const auto state = cohort::data::LoaderState::fromJson(text, "checkpoint.json");
    if (!(cohort::data::LoaderState::fromJson(state.toJson(), "written") == state)) std::abort();
  });
  return 0;
}
