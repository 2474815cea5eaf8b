// A set of ranks written as "all", "none" or "0,2-3" (--console-ranks).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace cohort::launcher {

class RankSet {
 public:
  // Throws ConfigError naming `option` when `text` is not in one of the forms.
  static RankSet parse(const std::string& text, const std::string& option);
  static RankSet all() { return RankSet(true); }

  bool contains(int rank) const;
  // The highest rank named, or -1 for "all" and "none".
  int highest() const;
  // The canonical text ("all", "none", "0,2-3"), which parse() reads back.
  std::string text() const;

 private:
  explicit RankSet(bool all) : all_(all) {}
  bool all_ = false;
  std::vector<std::pair<int, int>> ranges_;  // inclusive
};

}  // namespace cohort::launcher
