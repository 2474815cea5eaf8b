#include "cohort/comm/shm_allreduce.h"

#include <ATen/ops/from_blob.h>
#include <ATen/ops/zeros.h>

#include <algorithm>

#include "cohort/comm/mpi_check.h"
#include "cohort/comm/shm_allreduce_sliced.h"
#include "cohort/comm/shm_allreduce_small.h"
#include "cohort/comm/shm_posts.h"
#include "cohort/core/error.h"
#include "cohort/core/log.h"

namespace cohort {

namespace {

int64_t alignUp(int64_t bytes) { return (bytes + kShmAlign - 1) / kShmAlign * kShmAlign; }

}  // namespace

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

  auto segment = ShmSegment::create(shm->node_, ShmPosts::kBytes, why);
  // The outcome is shared by the ranks of one machine; the algorithm must be
  // the same on every machine.
  int ok = segment != nullptr ? 1 : 0;
  COHORT_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, world));
  if (!ok) {
    if (why->empty()) *why = "another machine could not set up shared memory";
    return nullptr;
  }
  shm->posts_ = std::make_unique<ShmPosts>(std::move(segment), shm->local_rank_, shm->local_size_);
  shm->sliced_ = std::make_unique<ShmSlicedAllreduce>(*shm->posts_, shm->segments_, shm->cross_,
                                                      shm->machines_);
  // Small allreduces take shared memory on a single machine only (Note
  // [Small allreduces]); otherwise, or without scratch, they go through MPI.
  if (shm->machines_ == 1) shm->small_ = ShmSmallAllreduce::create(shm->node_, world, *shm->posts_);
  COHORT_MPI_CHECK(MPI_Barrier(shm->node_));  // every post is initialised before anyone reads one
  return shm;
}

ShmAllreduce::~ShmAllreduce() {
  small_.reset();
  sliced_.reset();
  segments_.clear();
  posts_.reset();
  if (cross_ != MPI_COMM_NULL) COHORT_MPI_WARN(MPI_Comm_free(&cross_));
  if (node_ != MPI_COMM_NULL) COHORT_MPI_WARN(MPI_Comm_free(&node_));
}

bool ShmAllreduce::locate(const void* p, int64_t bytes, int* segment, int64_t* offset) const {
  for (size_t s = 0; s < segments_.size(); ++s) {
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

void ShmAllreduce::run(at::Tensor& buffer, ReduceOp op, int world_size,
                       const ShmCompressed& compressed) {
  int segment = 0;
  int64_t offset = 0;
  locate(buffer.data_ptr(), buffer.numel() * static_cast<int64_t>(buffer.element_size()), &segment,
         &offset);
  ++count_;
  sliced_->run(segment, offset, buffer.numel(), buffer.scalar_type(), op, world_size, compressed);
}

bool ShmAllreduce::handlesSmall(const at::Tensor& input) const {
  return small_ != nullptr && small_->handles(input.numel(), input.scalar_type());
}

void ShmAllreduce::runSmall(const at::Tensor& input, at::Tensor& output, ReduceOp op,
                            int world_size) {
  ++count_;
  small_->run(input.data_ptr(), output.data_ptr(), input.numel(), input.scalar_type(), op,
              world_size);
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
  auto segment = segmentOnEveryMachine(world, std::max<int64_t>(bytes, kShmAlign), &why);
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
  auto segment = segmentOnEveryMachine(world, std::max<int64_t>(per_part, kShmAlign), &why);
  if (segment == nullptr) {
    log::warn("no " + std::to_string(bytes >> 20) +
              " MiB of memory shared by this machine's ranks (" + why + ")");
    return {};
  }
  return at::from_blob(
      segment->part(0), {numel}, [segment](void*) {}, at::TensorOptions().dtype(dtype));
}

}  // namespace cohort
