#include "cohort/comm/shm_allreduce_sliced.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <string>

#include "cohort/comm/shm_combine.h"
#include "cohort/core/error.h"

namespace cohort {

namespace {

MPI_Op mpiOpOf(ReduceOp op) {
  switch (op) {
    case ReduceOp::kMin:
      return MPI_MIN;
    case ReduceOp::kMax:
      return MPI_MAX;
    default:
      return MPI_SUM;
  }
}

}  // namespace

std::pair<int64_t, int64_t> sliceOf(int64_t n, int t, int parts, int64_t width) {
  const int64_t quantum = kShmAlign / width;
  auto edge = [&](int k) -> int64_t {
    if (k >= parts) return n;
    return std::min(n, n * k / parts / quantum * quantum);
  };
  return {edge(t), edge(t + 1)};
}

ShmSlicedAllreduce::ShmSlicedAllreduce(ShmPosts& posts,
                                       const std::vector<std::shared_ptr<ShmSegment>>& segments,
                                       MPI_Comm cross, int machines)
    : posts_(posts), segments_(segments), cross_(cross), machines_(machines) {}

void ShmSlicedAllreduce::run(int segment, int64_t offset, int64_t numel, at::ScalarType dtype,
                             ReduceOp op, int world_size, const ShmCompressed& compressed) {
  // Step 1: post which buffer this rank reduces, and wait for every other rank's post.
  ShmPost& mine = posts_.mine();
  mine.segment = segment;
  mine.offset = offset;
  mine.numel = numel;
  mine.dtype = static_cast<int32_t>(dtype);
  posts_.finishStep();
  // Ranks that disagree all see it; they still finish the step together, so
  // the next collective starts in step.
  const std::string disagreement = mismatch(numel, dtype);

  // Step 2: reduce this rank's slice of every buffer into every buffer; once
  // every rank has, every buffer holds the whole result.
  if (disagreement.empty()) {
    reduceSlice(numel, dtype, op, op == ReduceOp::kAvg ? world_size : 1, compressed);
  }
  posts_.finishStep();
  if (!disagreement.empty()) {
    throw CommError(disagreement,
                    "every rank must issue the same collectives, on buffers of "
                    "the same size and dtype, in the same order");
  }
}

char* ShmSlicedAllreduce::dataOf(int local_rank) const {
  const ShmPost& p = posts_.of(local_rank);
  return segments_[p.segment]->part(local_rank) + p.offset;
}

std::string ShmSlicedAllreduce::mismatch(int64_t numel, at::ScalarType dtype) const {
  for (int t = 0; t < posts_.localSize(); ++t) {
    const ShmPost& theirs = posts_.of(t);
    if (theirs.numel == numel && theirs.dtype == static_cast<int32_t>(dtype)) continue;
    return "allreduce of " + std::to_string(numel) + " x " + c10::toString(dtype) + " here met " +
           std::to_string(theirs.numel) + " x " +
           c10::toString(static_cast<at::ScalarType>(theirs.dtype)) + " on local rank " +
           std::to_string(t);
  }
  return "";
}

int ShmSlicedAllreduce::allreduceFloat(char* own, int64_t n, at::ScalarType dtype,
                                       ReduceOp op) const {
  const int64_t width = dtype == at::kFloat ? 4 : 8;
  for (int64_t done = 0; done < n; done += INT32_MAX / 2) {
    const int count = static_cast<int>(std::min<int64_t>(INT32_MAX / 2, n - done));
    const int code =
        MPI_Allreduce(MPI_IN_PLACE, own + done * width, count,
                      dtype == at::kFloat ? MPI_FLOAT : MPI_DOUBLE, mpiOpOf(op), cross_);
    if (code != MPI_SUCCESS) return code;
  }
  return MPI_SUCCESS;
}

void ShmSlicedAllreduce::reduceSlice(int64_t numel, at::ScalarType dtype, ReduceOp op,
                                     double divisor, const ShmCompressed& compressed) {
  const int local_rank = posts_.localRank();
  const int local_size = posts_.localSize();
  const int64_t width = dtype == at::kFloat ? 4 : 8;
  const auto [begin, end] = sliceOf(numel, local_rank, local_size, width);
  if (begin == end) return;
  const int64_t n = end - begin;
  std::vector<char*> slices(local_size);
  for (int t = 0; t < local_size; ++t) slices[t] = dataOf(t) + begin * width;
  char* own = slices[local_rank];
  // On one machine the result goes straight into every rank's buffer; across
  // machines into this rank's first, then over MPI, then to the others.
  std::vector<char*> outputs = machines_ == 1 ? slices : std::vector<char*>{own};
  const int count = static_cast<int>(outputs.size());
  // Dividing before the sum between machines keeps an average linear.
  combineSlices(slices.data(), local_size, outputs.data(), count, n, dtype, op, divisor,
                cpu::Store::kStream);
  if (machines_ == 1) return;
  // A float32 slice of a sum between machines as Note [Bucket exchange] says
  // (compressed or not); anything else through MPI_Allreduce.
  const bool exchange = compressed.compress != Compression::kNone ||
                        (dtype == at::kFloat && op != ReduceOp::kMin && op != ReduceOp::kMax &&
                         n >= kBucketExchangeLeast);
  float* residual =
      compressed.residual != nullptr ? compressed.residual->data_ptr<float>() : nullptr;
  const int code = exchange
                       ? exchange_.run(cross_, reinterpret_cast<float*>(own),
                                       residual != nullptr ? residual + begin : nullptr,
                                       residual != nullptr ? residual + numel + begin : nullptr, n,
                                       compressed.compress)
                       : allreduceFloat(own, n, dtype, op);
  if (code != MPI_SUCCESS) {
    throw CommError(std::string("MPI between machines failed in a shared-memory ") +
                        (compressed.compress == Compression::kNone
                             ? ""
                             : std::string(compressionName(compressed.compress)) + " ") +
                        "allreduce of " + std::to_string(numel) + " elements",
                    "a rank on another machine has probably exited; look at its log");
  }
  for (int t = 0; t < local_size; ++t) {
    if (t != local_rank) std::memcpy(slices[t], own, n * width);
  }
}

}  // namespace cohort
