// One line of a trial's metrics.jsonl, as the sweep reads it.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cohort/sweep/metrics_line.h"
#include "fuzz_util.h"

using cohort::sweep::MetricsLine;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string line(reinterpret_cast<const char*>(data), size);
  const MetricsLine read = cohort::sweep::parseMetricsLine(line, "val_accuracy");
  if (read.kind == MetricsLine::Kind::kPoint && read.point.step < 0) std::abort();
  if (read.kind == MetricsLine::Kind::kBad && read.problem.empty()) std::abort();
  return 0;
}
