// cohort's one exception family. Every error says what failed, on which rank,
// and what to do about it.
#pragma once

#include <stdexcept>
#include <string>

namespace cohort {

class Error : public std::runtime_error {
 public:
  // `what` says what failed and where; `hint` says what to do about it.
  // The rank is taken from the runtime context when one exists.
  explicit Error(const std::string& what, const std::string& hint = "");

  const std::string& detail() const { return detail_; }
  const std::string& hint() const { return hint_; }
  int rank() const { return rank_; }

 private:
  std::string detail_;
  std::string hint_;
  int rank_;
};

// A COHORT_* setting or launcher variable that cannot be used.
class ConfigError : public Error {
  using Error::Error;
};

// A collective that failed or timed out, or ranks that disagree.
class CommError : public Error {
  using Error::Error;
};

// A data file that is missing or malformed.
class DataError : public Error {
  using Error::Error;
};

namespace detail {
std::string sourceLocation(const char* file, int line);
}  // namespace detail

}  // namespace cohort

// COHORT_CHECK(cond, ErrorType, what, hint): throws ErrorType with file:line added.
#define COHORT_CHECK(cond, ErrorType, what, hint)                                                \
  do {                                                                                           \
    if (!(cond)) {                                                                               \
      throw ErrorType(                                                                           \
          std::string(what) + " [" + ::cohort::detail::sourceLocation(__FILE__, __LINE__) + "]", \
          hint);                                                                                 \
    }                                                                                            \
  } while (0)
