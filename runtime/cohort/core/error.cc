#include "cohort/core/error.h"

#include <cstring>

#include "cohort/core/log.h"

namespace cohort {

namespace {
std::string compose(const std::string& what, const std::string& hint, int rank) {
  std::string text = rank >= 0 ? "rank " + std::to_string(rank) + ": " + what : what;
  if (!hint.empty()) text += "\n  what to do: " + hint;
  return text;
}
}  // namespace

Error::Error(const std::string& what, const std::string& hint)
    : std::runtime_error(compose(what, hint, log::currentRank())),
      detail_(what),
      hint_(hint),
      rank_(log::currentRank()) {}

namespace detail {
std::string sourceLocation(const char* file, int line) {
  const char* base = std::strrchr(file, '/');
  return std::string(base ? base + 1 : file) + ":" + std::to_string(line);
}
}  // namespace detail

}  // namespace cohort
