// Exponential backoff for transient storage failures.
//
// A request that fails transiently (a TransientError: HTTP 5xx/408/429, a
// timeout, a reset connection) is tried again after first_backoff_s, then
// twice that, and so on up to max_backoff_s, for `retries` tries in all, with
// up to 25% random jitter so that many ranks do not retry in step. Any other
// error ends the loop at once.
#pragma once

#include <functional>
#include <string>

#include "cohort/core/error.h"

namespace cohort::storage {

// A failure worth another try; its message says what failed.
class TransientError : public DataError {
  using DataError::DataError;
};

struct RetryPolicy {
  int retries = 8;
  double first_backoff_s = 0.2;
  double max_backoff_s = 8;

  // The pause before try number `attempt` (1 = the first retry), without jitter.
  double backoff(int attempt) const;

  // Runs `body(attempt)` (attempt 0, 1, ...) until it returns. After the last
  // try a TransientError becomes a DataError saying how many tries failed and
  // over how long, with the last failure's message.
  void run(const std::string& what, const std::function<void(int attempt)>& body) const;
};

}  // namespace cohort::storage
