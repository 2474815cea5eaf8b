#include "cohort/sweep/space.h"
#include "cohort/core/number.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace cohort::sweep {

const char* kindName(Kind kind) { return enumName(kKindNames, kind); }

bool Distribution::discrete() const {
  return kind == Kind::kChoice || kind == Kind::kQUniform || kind == Kind::kQLogUniform ||
         kind == Kind::kRandInt;
}

bool Distribution::integralQ() const { return q > 0 && std::floor(q) == q; }

nlohmann::json valueOf(const Distribution& distribution, double x) {
  switch (distribution.kind) {
    case Kind::kQUniform:
    case Kind::kQLogUniform: {
      // Clamped to the distribution's own multiples of q (TPE draws a little
      // past the ends).
      const double k =
          std::clamp(std::round(x / distribution.q), std::round(distribution.low / distribution.q),
                     std::round(distribution.high / distribution.q));
      const double rounded = k * distribution.q;
      if (distribution.integralQ() && std::fabs(rounded) < 9.0e15) {
        return static_cast<int64_t>(rounded);
      }
      // k * q carries the binary error of q (3 * 0.1 = 0.30000000000000004):
      // 15 significant digits give the multiple as written (0.3).
      return roundToDigits(rounded, 15);
    }
    case Kind::kRandInt: {
      // Clamped: x may be high itself when drawn from a closed range.
      const double v = std::min(std::floor(x), distribution.high - 1);
      return static_cast<int64_t>(std::max(v, distribution.low));
    }
    default:
      return x;
  }
}

double discreteCount(const Distribution& d) {
  switch (d.kind) {
    case Kind::kChoice:
      return static_cast<double>(d.values.size());
    case Kind::kRandInt:
      return d.high - d.low;
    case Kind::kQUniform:
    case Kind::kQLogUniform:
      return std::round(d.high / d.q) - std::round(d.low / d.q) + 1;
    default:
      return 0;
  }
}

std::vector<nlohmann::json> discreteValues(const Distribution& d) {
  if (d.kind == Kind::kChoice) return d.values;
  std::vector<nlohmann::json> out;
  if (d.kind == Kind::kRandInt) {
    for (auto v = static_cast<int64_t>(d.low); v < static_cast<int64_t>(d.high); ++v)
      out.push_back(v);
  } else if (d.kind == Kind::kQUniform || d.kind == Kind::kQLogUniform) {
    const auto first = static_cast<int64_t>(std::round(d.low / d.q));
    const auto last = static_cast<int64_t>(std::round(d.high / d.q));
    for (int64_t k = first; k <= last; ++k) out.push_back(valueOf(d, static_cast<double>(k) * d.q));
  }
  return out;
}

std::string numberText(double x) {
  char text[40];
  // A whole number is written whole ("60", not the shorter "6e+01" that %g
  // also reads back as 60).
  if (std::isfinite(x) && std::floor(x) == x && std::fabs(x) < 1e15) {
    std::snprintf(text, sizeof text, "%.0f", x);
    return text;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(text, sizeof text, "%.*g", precision, x);
    if (roundToDigits(x, precision) == x) break;
  }
  return text;
}

nlohmann::ordered_json toJson(const Distribution& d) {
  nlohmann::ordered_json out = {{"type", kindName(d.kind)}};
  switch (d.kind) {
    case Kind::kChoice:
      out["values"] = d.values;
      break;
    case Kind::kQUniform:
    case Kind::kQLogUniform:
      out["low"] = d.low;
      out["high"] = d.high;
      out["q"] = d.q;
      break;
    case Kind::kNormal:
      out["mu"] = d.mu;
      out["sigma"] = d.sigma;
      break;
    case Kind::kRandInt:
      out["low"] = static_cast<int64_t>(d.low);
      out["high"] = static_cast<int64_t>(d.high);
      break;
    default:
      out["low"] = d.low;
      out["high"] = d.high;
  }
  return out;
}

}  // namespace cohort::sweep
