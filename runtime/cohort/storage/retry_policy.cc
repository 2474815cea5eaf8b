#include "cohort/storage/retry_policy.h"

#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "cohort/core/log.h"

namespace cohort::storage {

double RetryPolicy::backoff(int attempt) const {
  double pause = first_backoff_s;
  for (int i = 1; i < attempt && pause < max_backoff_s; ++i) pause *= 2;
  return pause < max_backoff_s ? pause : max_backoff_s;
}

void RetryPolicy::run(const std::string& what, const std::function<void(int)>& body) const {
  const auto start = std::chrono::steady_clock::now();
  std::minstd_rand jitter(std::random_device{}());
  for (int attempt = 0;; ++attempt) {
    try {
      body(attempt);
      return;
    } catch (const TransientError& e) {
      if (attempt + 1 >= retries) {
        const double spent =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        char took[64];
        std::snprintf(took, sizeof took, "%d tries over %.1f s", attempt + 1, spent);
        throw DataError(
            what + " failed after " + took + "; the last failure: " + e.detail(),
            "check that the storage is reachable and healthy; raise COHORT_DATA_RETRIES "
            "or COHORT_DATA_TIMEOUT_S if it is only slow");
      }
      const double pause = backoff(attempt + 1) * (1.0 + 0.25 * (jitter() % 1000) / 1000.0);
      char line[96];
      std::snprintf(line, sizeof line, " (try %d of %d; again in %.2f s)", attempt + 1, retries,
                    pause);
      log::warn(e.detail() + line);
      std::this_thread::sleep_for(std::chrono::duration<double>(pause));
    }
  }
}

}  // namespace cohort::storage
