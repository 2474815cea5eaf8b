// A sweep folder's store (sweep.db, SQLite) as another process left it, read
// as cohort-sweep status, best and report read it.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_util.h"
#include "sweep/sweep_view.h"
#include "sweep/trial_value.h"

using namespace cohort;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto& scratch = fuzz::Scratch::get();
  scratch.clear();
  scratch.write("sweep/sweep.db", std::string(reinterpret_cast<const char*>(data), size));
  fuzz::refusedOrRead([&] {
    const auto view = sweep_tool::readSweep((scratch.path() / "sweep").string());
    sweep_tool::bestTrial(view.trials, view.series, view.spec.metric.goal);
  });
  return 0;
}
