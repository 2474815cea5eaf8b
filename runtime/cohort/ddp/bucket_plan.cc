#include "cohort/ddp/bucket_plan.h"

#include <map>

#include "cohort/core/error.h"

namespace cohort {

std::vector<BucketSpec> planBuckets(const std::vector<ParamInfo>& params, int64_t first_cap_bytes,
                                    int64_t cap_bytes) {
  COHORT_CHECK(first_cap_bytes > 0 && cap_bytes > 0, ConfigError,
               "bucket caps must be positive (got " + std::to_string(first_cap_bytes) + " and " +
                   std::to_string(cap_bytes) + " bytes)",
               "set COHORT_FIRST_BUCKET_MB and COHORT_BUCKET_MB to positive sizes");
  std::vector<BucketSpec> done;
  // One open bucket per dtype; the first bucket closed of all gets the small cap.
  std::map<int, BucketSpec> open;
  std::map<int, int64_t> open_bytes;
  auto cap = [&] { return done.empty() ? first_cap_bytes : cap_bytes; };

  // Walk the parameters last to first: that is the order backward produces them.
  for (int i = static_cast<int>(params.size()) - 1; i >= 0; --i) {
    const ParamInfo& p = params[i];
    if (p.numel == 0) continue;  // nothing to reduce
    const int64_t bytes = p.numel * p.element_size;
    BucketSpec& bucket = open[p.dtype];
    int64_t& filled = open_bytes[p.dtype];
    // Close the open bucket if this parameter would overflow it.
    if (!bucket.params.empty() && filled + bytes > cap()) {
      done.push_back(std::move(bucket));
      bucket = BucketSpec{};
      filled = 0;
    }
    bucket.dtype = p.dtype;
    bucket.params.push_back(i);
    bucket.offsets.push_back(bucket.numel);
    bucket.numel += p.numel;
    filled += bytes;
    // A bucket that has reached its cap is closed at once.
    if (filled >= cap()) {
      done.push_back(std::move(bucket));
      bucket = BucketSpec{};
      filled = 0;
    }
  }
  for (auto& [dtype, bucket] : open) {
    if (!bucket.params.empty()) done.push_back(std::move(bucket));
  }
  return done;
}

}  // namespace cohort
