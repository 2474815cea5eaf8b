#include "cohort/comm/shm_allreduce.h"

#include <ATen/ops/from_blob.h>
#include <ATen/ops/zeros.h>

#include <algorithm>
#include <atomic>
#include <cstring>

#include "cohort/comm/mpi_check.h"
#include "cohort/core/error.h"
#include "cohort/core/log.h"
#include "cohort/kernels/cpu/reduce_slices.h"

namespace cohort {

namespace {

constexpr int64_t kPostBytes = 256;  // each rank's part of the first segment
constexpr int64_t kAlign = 256;      // alignment of buffers and slices, in bytes
// Small allreduces (Note [Small allreduces]): the largest one, and the most
// every rank reads of the others' inputs.
constexpr int64_t kSmallSlotBytes = 64 << 10;
constexpr int64_t kSmallReadBytes = 256 << 10;
constexpr int kMaxLocalRanks = 64;  // ranks of a machine that small allreduces serve

int64_t alignUp(int64_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }

cpu::Combine combineOf(ReduceOp op) {
  switch (op) {
    case ReduceOp::kMin:
      return cpu::Combine::kMin;
    case ReduceOp::kMax:
      return cpu::Combine::kMax;
    default:
      return cpu::Combine::kSum;
  }
}

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

// outputs[0..outputs_count) = op over inputs[0..inputs_count), n elements each.
void combine(char* const* inputs, int inputs_count, char* const* outputs, int outputs_count,
             int64_t n, at::ScalarType dtype, ReduceOp op, double divisor, cpu::Store store) {
  if (dtype == at::kFloat) {
    cpu::reduceSlices(reinterpret_cast<const float* const*>(inputs), inputs_count,
                      reinterpret_cast<float* const*>(outputs), outputs_count, n, combineOf(op),
                      static_cast<float>(divisor), store);
  } else {
    cpu::reduceSlices(reinterpret_cast<const double* const*>(inputs), inputs_count,
                      reinterpret_cast<double* const*>(outputs), outputs_count, n, combineOf(op),
                      divisor, store);
  }
}

}  // namespace

struct alignas(64) ShmAllreduce::Post {
  ShmCounter phase;  // the last step this rank has finished
  int32_t segment;   // the buffer it reduces in this collective
  int32_t dtype;
  int64_t offset;
  int64_t numel;
  // A small allreduce's size and dtype, by scratch slot (Note [Small allreduces]).
  int64_t small_numel[2];
  int32_t small_dtype[2];
};

std::pair<int64_t, int64_t> sliceOf(int64_t n, int t, int parts, int64_t width) {
  const int64_t quantum = kAlign / width;
  auto edge = [&](int k) -> int64_t {
    if (k >= parts) return n;
    return std::min(n, n * k / parts / quantum * quantum);
  };
  return {edge(t), edge(t + 1)};
}

std::unique_ptr<ShmAllreduce> ShmAllreduce::create(MPI_Comm world, std::string* why) {
  std::unique_ptr<ShmAllreduce> shm(new ShmAllreduce());
  int world_rank = 0;
  COHORT_MPI_CHECK(MPI_Comm_rank(world, &world_rank));
  COHORT_MPI_CHECK(
      MPI_Comm_split_type(world, MPI_COMM_TYPE_SHARED, world_rank, MPI_INFO_NULL, &shm->node_));
  COHORT_MPI_CHECK(MPI_Comm_rank(shm->node_, &shm->local_rank_));
  COHORT_MPI_CHECK(MPI_Comm_size(shm->node_, &shm->local_size_));

  // Every machine must hold the same number of ranks, and more than one.
  int sizes[2] = {shm->local_size_, -shm->local_size_};
  COHORT_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, sizes, 2, MPI_INT, MPI_MIN, world));
  if (sizes[0] != -sizes[1]) {
    *why = "machines hold different numbers of ranks";
    return nullptr;
  }
  if (shm->local_size_ == 1) {
    *why = "one rank per machine";
    return nullptr;
  }
  COHORT_MPI_CHECK(MPI_Comm_split(world, shm->local_rank_, world_rank, &shm->cross_));
  COHORT_MPI_CHECK(MPI_Comm_size(shm->cross_, &shm->machines_));

  auto segment = ShmSegment::create(shm->node_, kPostBytes, why);
  // The outcome is shared by the ranks of one machine; the algorithm must be
  // the same on every machine.
  int ok = segment != nullptr ? 1 : 0;
  COHORT_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, world));
  if (!ok) {
    if (why->empty()) *why = "another machine could not set up shared memory";
    return nullptr;
  }
  shm->segments_.push_back(std::move(segment));
  new (&shm->post(shm->local_rank_)) Post{};

  // Scratch for small allreduces, on a single machine only (Note [Small
  // allreduces]); without it they go through MPI.
  if (shm->machines_ == 1) {
    std::string scratch_why;
    shm->scratch_ = ShmSegment::create(shm->node_, 2 * kSmallSlotBytes, &scratch_why);
    int scratch_ok = shm->scratch_ != nullptr ? 1 : 0;
    COHORT_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &scratch_ok, 1, MPI_INT, MPI_MIN, world));
    if (!scratch_ok) {
      log::debug("small allreduces through MPI: " +
                 (scratch_why.empty() ? std::string("another rank has no scratch") : scratch_why));
      shm->scratch_.reset();
    }
  }
  COHORT_MPI_CHECK(MPI_Barrier(shm->node_));  // every post is initialised before anyone reads one
  return shm;
}

ShmAllreduce::~ShmAllreduce() {
  scratch_.reset();
  segments_.clear();
  if (cross_ != MPI_COMM_NULL) COHORT_MPI_WARN(MPI_Comm_free(&cross_));
  if (node_ != MPI_COMM_NULL) COHORT_MPI_WARN(MPI_Comm_free(&node_));
}

ShmAllreduce::Post& ShmAllreduce::post(int local_rank) const {
  return *reinterpret_cast<Post*>(segments_[0]->part(local_rank));
}

bool ShmAllreduce::locate(const void* p, int64_t bytes, int* segment, int64_t* offset) const {
  for (size_t s = 1; s < segments_.size(); ++s) {
    const int64_t at = segments_[s]->offsetIn(local_rank_, p);
    if (at >= 0 && at + bytes <= segments_[s]->partBytes()) {
      *segment = static_cast<int>(s);
      *offset = at;
      return true;
    }
  }
  return false;
}

bool ShmAllreduce::handles(const at::Tensor& input, const at::Tensor& output) const {
  const auto dtype = input.scalar_type();
  if (dtype != at::kFloat && dtype != at::kDouble) return false;
  if (input.data_ptr() != output.data_ptr()) return false;
  int segment = 0;
  int64_t offset = 0;
  return locate(input.data_ptr(), input.numel() * static_cast<int64_t>(input.element_size()),
                &segment, &offset);
}

bool ShmAllreduce::handlesSmall(const at::Tensor& input) const {
  if (scratch_ == nullptr || local_size_ > kMaxLocalRanks) return false;
  const auto dtype = input.scalar_type();
  if (dtype != at::kFloat && dtype != at::kDouble) return false;
  const int64_t bytes = input.numel() * static_cast<int64_t>(input.element_size());
  return bytes <= kSmallSlotBytes && bytes * local_size_ <= kSmallReadBytes;
}

void ShmAllreduce::runSmall(const at::Tensor& input, at::Tensor& output, ReduceOp op,
                            int world_size) {
  const at::ScalarType dtype = input.scalar_type();
  const int64_t numel = input.numel();
  const int64_t bytes = numel * static_cast<int64_t>(input.element_size());
  const uint32_t phase = phase_ + 1;
  const int slot = static_cast<int>(phase & 1);
  auto slotOf = [&](int t) { return scratch_->part(t) + slot * kSmallSlotBytes; };

  // Publish this rank's input and its size in the slot of this phase, then
  // wait for every other rank's.
  std::memcpy(slotOf(local_rank_), input.data_ptr(), bytes);
  Post& mine = post(local_rank_);
  mine.small_numel[slot] = numel;
  mine.small_dtype[slot] = static_cast<int32_t>(dtype);
  mine.phase.publish(phase);
  waitForAll(phase);
  phase_ = phase;
  ++count_;
  for (int t = 0; t < local_size_; ++t) {
    const Post& theirs = post(t);
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
  for (int t = 0; t < local_size_; ++t) inputs[t] = slotOf(t);
  char* out = static_cast<char*>(output.data_ptr());
  combine(inputs, local_size_, &out, 1, numel, dtype, op, op == ReduceOp::kAvg ? world_size : 1,
          cpu::Store::kCache);
}

void ShmAllreduce::waitForAll(uint32_t phase) const {
  for (int t = 0; t < local_size_; ++t) {
    if (t != local_rank_) post(t).phase.waitFor(phase);
  }
}

char* ShmAllreduce::dataOf(int local_rank) const {
  const Post& p = post(local_rank);
  return segments_[p.segment]->part(local_rank) + p.offset;
}

std::string ShmAllreduce::mismatch(int64_t numel, at::ScalarType dtype) const {
  for (int t = 0; t < local_size_; ++t) {
    const Post& theirs = post(t);
    if (theirs.numel == numel && theirs.dtype == static_cast<int32_t>(dtype)) continue;
    return "allreduce of " + std::to_string(numel) + " x " + c10::toString(dtype) + " here met " +
           std::to_string(theirs.numel) + " x " +
           c10::toString(static_cast<at::ScalarType>(theirs.dtype)) + " on local rank " +
           std::to_string(t);
  }
  return "";
}

// Slices from this many elements (256 KiB) go between machines as Note
// [Bucket exchange] says.
constexpr int64_t kExchangeLeast = 64 * 1024;

int ShmAllreduce::exchangeFloat(char* own, int64_t n, at::ScalarType dtype, ReduceOp op) const {
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

void ShmAllreduce::reduceSlice(int64_t numel, at::ScalarType dtype, ReduceOp op, double divisor,
                               const Compressed& compressed) {
  const int64_t width = dtype == at::kFloat ? 4 : 8;
  const auto [begin, end] = sliceOf(numel, local_rank_, local_size_, width);
  if (begin == end) return;
  const int64_t n = end - begin;
  std::vector<char*> slices(local_size_);
  for (int t = 0; t < local_size_; ++t) slices[t] = dataOf(t) + begin * width;
  char* own = slices[local_rank_];
  // On one machine the result goes straight into every rank's buffer; across
  // machines into this rank's first, then over MPI, then to the others.
  std::vector<char*> outputs = machines_ == 1 ? slices : std::vector<char*>{own};
  const int count = static_cast<int>(outputs.size());
  // Dividing before the sum between machines keeps an average linear.
  combine(slices.data(), local_size_, outputs.data(), count, n, dtype, op, divisor,
          cpu::Store::kStream);
  if (machines_ == 1) return;
  // A float32 slice of a sum between machines as Note [Bucket exchange] says
  // (compressed or not); anything else through MPI_Allreduce.
  const bool exchange =
      compressed.compress != Compression::kNone ||
      (dtype == at::kFloat && op != ReduceOp::kMin && op != ReduceOp::kMax && n >= kExchangeLeast);
  float* residual =
      compressed.residual != nullptr ? compressed.residual->data_ptr<float>() : nullptr;
  const int code = exchange
                       ? exchange_.run(cross_, reinterpret_cast<float*>(own),
                                       residual != nullptr ? residual + begin : nullptr,
                                       residual != nullptr ? residual + numel + begin : nullptr, n,
                                       compressed.compress)
                       : exchangeFloat(own, n, dtype, op);
  if (code != MPI_SUCCESS) {
    throw CommError(std::string("MPI_Allreduce between machines failed in a shared-memory ") +
                        (compressed.compress == Compression::kNone
                             ? ""
                             : std::string(compressionName(compressed.compress)) + " ") +
                        "allreduce of " + std::to_string(numel) + " elements",
                    "a rank on another machine has probably exited; look at its log");
  }
  for (int t = 0; t < local_size_; ++t) {
    if (t != local_rank_) std::memcpy(slices[t], own, n * width);
  }
}

void ShmAllreduce::run(at::Tensor& buffer, ReduceOp op, int world_size,
                       const Compressed& compressed) {
  const at::ScalarType dtype = buffer.scalar_type();
  const int64_t numel = buffer.numel();
  Post& mine = post(local_rank_);
  int segment = 0;
  int64_t offset = 0;
  locate(buffer.data_ptr(), numel * static_cast<int64_t>(buffer.element_size()), &segment, &offset);

  // Step 1: post which buffer this rank reduces (Note [Shared-memory allreduce]).
  mine.segment = segment;
  mine.offset = offset;
  mine.numel = numel;
  mine.dtype = static_cast<int32_t>(dtype);
  mine.phase.publish(phase_ + 1);
  waitForAll(phase_ + 1);
  // Ranks that disagree all see it; they still finish the step together, so
  // the next collective starts in step.
  const std::string disagreement = mismatch(numel, dtype);

  // Step 2: reduce this rank's slice of every buffer into every buffer; once
  // every rank has, every buffer holds the whole result.
  if (disagreement.empty()) {
    reduceSlice(numel, dtype, op, op == ReduceOp::kAvg ? world_size : 1, compressed);
  }
  mine.phase.publish(phase_ + 2);
  waitForAll(phase_ + 2);
  phase_ += 2;
  ++count_;
  if (!disagreement.empty()) {
    throw CommError(disagreement,
                    "every rank must issue the same collectives, on buffers of "
                    "the same size and dtype, in the same order");
  }
}

std::shared_ptr<ShmSegment> ShmAllreduce::segmentOnEveryMachine(MPI_Comm world,
                                                                int64_t bytes_per_part,
                                                                std::string* why) const {
  auto segment = ShmSegment::create(node_, bytes_per_part, why);
  int ok = segment != nullptr ? 1 : 0;
  COHORT_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, world));
  if (ok) return segment;
  if (why->empty()) *why = "another machine could not provide it";
  return nullptr;
}

std::vector<at::Tensor> ShmAllreduce::newBuffers(MPI_Comm world,
                                                 const std::vector<BufferSpec>& specs) {
  std::vector<int64_t> offsets;
  int64_t bytes = 0;
  for (const BufferSpec& spec : specs) {
    offsets.push_back(bytes);
    bytes += alignUp(spec.numel * static_cast<int64_t>(c10::elementSize(spec.dtype)));
  }
  std::string why;
  auto segment = segmentOnEveryMachine(world, std::max<int64_t>(bytes, kAlign), &why);
  if (segment == nullptr) {
    log::warn("reduction buffers of " + std::to_string(bytes >> 20) +
              " MiB are not in shared memory (" + why + "); they are reduced through MPI instead");
  }
  std::vector<at::Tensor> buffers;
  for (size_t i = 0; i < specs.size(); ++i) {
    const auto options = at::TensorOptions().dtype(specs[i].dtype);
    if (segment == nullptr) {
      buffers.push_back(at::zeros({specs[i].numel}, options));
    } else {
      // Each tensor keeps the mapping alive; unmapping is local to this rank.
      buffers.push_back(at::from_blob(
          segment->part(local_rank_) + offsets[i], {specs[i].numel}, [segment](void*) {}, options));
    }
  }
  if (segment != nullptr) segments_.push_back(std::move(segment));
  return buffers;
}

at::Tensor ShmAllreduce::newShared(MPI_Comm world, int64_t numel, at::ScalarType dtype) {
  const int64_t bytes = numel * static_cast<int64_t>(c10::elementSize(dtype));
  // The segment's parts lie end to end: cut the tensor over all of them.
  const int64_t per_part = alignUp((bytes + local_size_ - 1) / local_size_);
  std::string why;
  auto segment = segmentOnEveryMachine(world, std::max<int64_t>(per_part, kAlign), &why);
  if (segment == nullptr) {
    log::warn("no " + std::to_string(bytes >> 20) +
              " MiB of memory shared by this machine's ranks (" + why + ")");
    return {};
  }
  return at::from_blob(
      segment->part(0), {numel}, [segment](void*) {}, at::TensorOptions().dtype(dtype));
}

}  // namespace cohort
