#include "cohortrun/rank_set.h"

#include <algorithm>

#include "cohort/core/env.h"
#include "cohort/core/error.h"
#include "cohort/core/number.h"

namespace cohort::launcher {

RankSet RankSet::parse(const std::string& text, const std::string& option) {
  if (text == "all") return RankSet(true);
  RankSet set(false);
  if (text == "none") return set;
  auto bad = [&](const std::string& part) {
    return ConfigError(option + " '" + text + "': '" + part + "' is not a rank or a range",
                       "write all, none, or ranks and ranges such as 0,2-3");
  };
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string part = text.substr(start, comma - start);
    size_t dash = part.find('-');
    auto lo = parseInteger(part.substr(0, dash));
    auto hi = dash == std::string::npos ? lo : parseInteger(part.substr(dash + 1));
    if (!lo || !hi || *hi < *lo || *hi > 10000000) throw bad(part);
    set.ranges_.emplace_back(static_cast<int>(*lo), static_cast<int>(*hi));
    start = comma + 1;
  }
  return set;
}

bool RankSet::contains(int rank) const {
  if (all_) return true;
  for (const auto& [lo, hi] : ranges_) {
    if (rank >= lo && rank <= hi) return true;
  }
  return false;
}

int RankSet::highest() const {
  int high = -1;
  for (const auto& range : ranges_) high = std::max(high, range.second);
  return high;
}

std::string RankSet::text() const {
  if (all_) return "all";
  if (ranges_.empty()) return "none";
  std::string out;
  for (const auto& [lo, hi] : ranges_) {
    if (!out.empty()) out += ',';
    out += std::to_string(lo);
    if (hi != lo) out += "-" + std::to_string(hi);
  }
  return out;
}

}  // namespace cohort::launcher
