// One line of a trial's metrics.jsonl, as the sweep reads it (docs/sweep.md,
// "Reporting the metric"): a JSON object with a whole `step` from 0 to
// 2^63-1 and the metric by name, a number, `null` (NaN), or one of the bare
// tokens Python's json.dumps writes for non-finite floats: NaN, Infinity,
// -Infinity. JSON has no such tokens, but a trial that diverged writes them,
// and reading them as "not JSON" would keep the trial's last finite value as
// its result (See Note [Non-finite metrics]).
#pragma once

#include <cstdint>
#include <string>

#include "cohort/sweep/policy.h"

namespace cohort::sweep {

// Note [Non-finite metrics]: a NaN or infinite point is kept as the number it
// is (NaN is NULL in the store). Policies rank it below every finite value;
// a trial whose last point is not finite is failed, never completed, so it
// is never best and never registered (the reason names the value, and says
// when it is out of the metric's sense, such as +Infinity when maximizing).

struct MetricsLine {
  enum class Kind {
    kPoint,  // a point of the metric
    kOther,  // valid, without the metric (other scalars of the trainer)
    kBad,    // skipped: `problem` says why
  };
  Kind kind = Kind::kBad;
  MetricPoint point;
  std::string problem;
};

MetricsLine parseMetricsLine(const std::string& line, const std::string& metric);

// "NaN", "+Infinity" or "-Infinity" for a non-finite value, else numberText.
std::string metricValueText(double value);

}  // namespace cohort::sweep
