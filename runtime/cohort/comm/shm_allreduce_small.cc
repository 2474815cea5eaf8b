#include "cohort/comm/shm_allreduce_small.h"

#include <cstring>
#include <string>

#include "cohort/comm/mpi_check.h"
#include "cohort/comm/shm_combine.h"
#include "cohort/core/error.h"
#include "cohort/core/log.h"

namespace cohort {

std::unique_ptr<ShmSmallAllreduce> ShmSmallAllreduce::create(MPI_Comm node, MPI_Comm world,
                                                             ShmPosts& posts) {
  std::string why;
  auto scratch = ShmSegment::create(node, 2 * kSlotBytes, &why);
  int ok = scratch != nullptr ? 1 : 0;
  COHORT_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, world));
  if (!ok) {
    log::debug("small allreduces through MPI: " +
               (why.empty() ? std::string("another rank has no scratch") : why));
    return nullptr;
  }
  return std::unique_ptr<ShmSmallAllreduce>(new ShmSmallAllreduce(posts, std::move(scratch)));
}

bool ShmSmallAllreduce::handles(int64_t numel, at::ScalarType dtype) const {
  if (posts_.localSize() > kMaxLocalRanks) return false;
  if (dtype != at::kFloat && dtype != at::kDouble) return false;
  const int64_t bytes = numel * static_cast<int64_t>(c10::elementSize(dtype));
  return bytes <= kSlotBytes && bytes * posts_.localSize() <= kReadBytes;
}

void ShmSmallAllreduce::run(const void* input, void* output, int64_t numel, at::ScalarType dtype,
                            ReduceOp op, int world_size) {
  const int64_t bytes = numel * static_cast<int64_t>(c10::elementSize(dtype));
  const int local_size = posts_.localSize();
  const int slot = static_cast<int>(posts_.next() & 1);
  auto slotOf = [&](int t) { return scratch_->part(t) + slot * kSlotBytes; };

  // Publish this rank's input and its size in the slot of this step, then
  // wait for every other rank's.
  if (bytes > 0)
    std::memcpy(slotOf(posts_.localRank()), input, bytes);  // an empty tensor's is null
  ShmPost& mine = posts_.mine();
  mine.small_numel[slot] = numel;
  mine.small_dtype[slot] = static_cast<int32_t>(dtype);
  posts_.finishStep();
  for (int t = 0; t < local_size; ++t) {
    const ShmPost& theirs = posts_.of(t);
    if (theirs.small_numel[slot] == numel && theirs.small_dtype[slot] == mine.small_dtype[slot]) {
      continue;
    }
    throw CommError("allreduce of " + std::to_string(numel) + " x " + c10::toString(dtype) +
                        " here met " + std::to_string(theirs.small_numel[slot]) + " x " +
                        c10::toString(static_cast<at::ScalarType>(theirs.small_dtype[slot])) +
                        " on local rank " + std::to_string(t),
                    "every rank must issue the same collectives, on tensors of the same size "
                    "and dtype, in the same order");
  }
  // Every rank folds every input into its own output: one step, no second wait.
  char* inputs[kMaxLocalRanks];
  for (int t = 0; t < local_size; ++t) inputs[t] = slotOf(t);
  char* out = static_cast<char*>(output);
  combineSlices(inputs, local_size, &out, 1, numel, dtype, op,
                op == ReduceOp::kAvg ? world_size : 1, cpu::Store::kCache);
}

}  // namespace cohort
