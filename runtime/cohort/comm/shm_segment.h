// A block of POSIX shared memory mapped by every rank of one machine, cut into
// one equal, page-aligned part per local rank. Local rank t owns part t; every
// rank can read and write every part.
//
// The name is unlinked as soon as every rank has mapped it, so nothing is left
// in /dev/shm when a job ends, however it ends. The pages are reserved with
// posix_fallocate at creation: a full /dev/shm is a clean refusal here rather
// than a SIGBUS later.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <memory>
#include <string>

namespace cohort {

class ShmSegment {
 public:
  // Collective over `node` (the ranks of one machine). Returns nullptr on every
  // rank when any rank could not create or map the segment; `why` then says why
  // (on the ranks that know).
  static std::shared_ptr<ShmSegment> create(MPI_Comm node, int64_t bytes_per_part,
                                            std::string* why);
  ~ShmSegment();
  ShmSegment(const ShmSegment&) = delete;
  ShmSegment& operator=(const ShmSegment&) = delete;

  char* part(int local_rank) const { return base_ + local_rank * part_bytes_; }
  int64_t partBytes() const { return part_bytes_; }
  int parts() const { return parts_; }

  // Where `p` lies in `local_rank`'s part: its offset, or -1 outside the part.
  int64_t offsetIn(int local_rank, const void* p) const;

 private:
  ShmSegment(char* base, int64_t part_bytes, int parts)
      : base_(base), part_bytes_(part_bytes), parts_(parts) {}

  char* base_;
  int64_t part_bytes_;
  int parts_;
};

}  // namespace cohort
