// Assigning parameters to gradient buckets. Pure: sizes in, plan out.
//
// Parameters are taken in reverse registration order, because backward
// produces the gradients of the last layers first. A bucket holds one dtype
// and closes when adding the next parameter would pass its cap: the first
// bucket has a small cap (default 1 MiB) so the first allreduce starts early,
// the rest the large cap (default 25 MiB). A parameter larger than the cap
// gets a bucket of its own.
#pragma once

#include <cstdint>
#include <vector>

namespace cohort {

struct ParamInfo {
  int64_t numel = 0;
  int64_t element_size = 4;  // bytes
  int dtype = 0;             // any id; buckets never mix two ids
};

struct BucketSpec {
  std::vector<int> params;  // indices into the parameter list, in the order they sit in the bucket
  std::vector<int64_t> offsets;  // element offset of each parameter within the bucket
  int64_t numel = 0;             // elements in the bucket
  int dtype = 0;
};

// caps in bytes; both must be positive.
std::vector<BucketSpec> planBuckets(const std::vector<ParamInfo>& params, int64_t first_cap_bytes,
                                    int64_t cap_bytes);

}  // namespace cohort
