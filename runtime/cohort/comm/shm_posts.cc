#include "cohort/comm/shm_posts.h"

#include <new>
#include <utility>

namespace cohort {

ShmPosts::ShmPosts(std::shared_ptr<ShmSegment> segment, int local_rank, int local_size)
    : segment_(std::move(segment)), local_rank_(local_rank), local_size_(local_size) {
  new (&mine()) ShmPost{};
}

ShmPost& ShmPosts::of(int local_rank) const {
  return *reinterpret_cast<ShmPost*>(segment_->part(local_rank));
}

void ShmPosts::finishStep() {
  const uint32_t phase = next();
  mine().phase.publish(phase);
  for (int t = 0; t < local_size_; ++t) {
    if (t != local_rank_) of(t).phase.waitFor(phase);
  }
  phase_ = phase;
}

}  // namespace cohort
