// Reducer: averages gradients over all ranks while backward is still running.
//
// Note [Gradient buckets]
// Parameters are assigned to flat buckets (see planBuckets), allocated by the
// communicator where it reduces them fastest (newReductionBuffers: shared
// memory between the ranks of a machine for MPI). After each reduction every
// parameter's .grad() is a view into its bucket, so the optimizer reads the
// reduced values where they landed, with no copy out. The next backward puts
// its gradients into the bucket in one of two ways:
//   - .grad() was released (FusedOptimizer::zeroGrad, zero_grad with
//     set_to_none): autograd hands over its fresh gradient tensor, the reducer
//     copies it into the bucket (one read, one write) and points .grad() back
//     at the view;
//   - .grad() was zeroed in place: autograd adds into the bucket directly,
//     which with the zeroing costs a write, two reads and another write.
// Releasing moves half as many bytes, which is why zeroGrad releases.
//
// Each gradient is scaled by 1/world as it is copied into its bucket (or, when
// autograd added into the bucket directly, in one pass over it before the
// reduction), and the bucket is then summed: the sum is the average, with no
// division after the exchange. With compression the sum between machines
// travels as bfloat16 or float16 (Note [Compressed buckets]); the reducer
// keeps each bucket's float32 residual.
//
// Each parameter's gradient accumulator gets a post hook. When every parameter
// of a bucket has its final gradient for this backward pass, the bucket's
// allreduce (an average) starts on the comm thread, so communication overlaps
// the rest of backward. Buckets start strictly in index order: every rank
// issues the same collectives in the same order (Note [Collective order])
// however its backward is scheduled.
//
// Note [Unused parameters]
// A parameter may get no gradient in an iteration on some ranks (a branch not
// taken). No flag is needed: at the end of backward (an autograd engine
// callback) the buckets still waiting are started with zeros in the slots of
// parameters this rank did not use since the last reduction. Each bucket
// carries one extra element per parameter, 1 if the rank used it; after the
// reduction a parameter that some rank used holds the average of the ranks'
// gradients, and one that no rank used keeps no gradient if it had none.
// "Used" counts every backward since the last reduction, no-sync ones too.
#pragma once

#include <ATen/core/Tensor.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cohort/comm/communicator.h"
#include "cohort/ddp/bucket_plan.h"
#include "cohort/ddp/timing.h"

namespace torch::autograd {
struct Node;
}

namespace cohort {

class Reducer : public std::enable_shared_from_this<Reducer> {
 public:
  // Collective (allocates the buckets). `params` must be distinct leaf tensors
  // that require grad.
  static std::shared_ptr<Reducer> create(std::vector<at::Tensor> params,
                                         std::vector<std::string> names, Communicator& comm,
                                         int64_t first_cap_bytes, int64_t cap_bytes,
                                         Compression compress = Compression::kNone);
  ~Reducer();

  const std::vector<BucketSpec>& plan() const { return plan_; }
  // Bucket b's gradient elements (without its flags), and its parameters' names.
  at::Tensor bucketGradients(int b) const { return buckets_[b].flat.narrow(0, 0, plan_[b].numel); }
  std::vector<std::string> bucketNames(int b) const;
  int64_t iteration() const { return iteration_; }
  Compression compression() const { return compress_; }
  // Bucket b's error-feedback residuals (float32, twice the bucket's size;
  // Note [Compressed buckets]), or an undefined tensor without compression.
  at::Tensor residual(int b) const {
    return b < static_cast<int>(residuals_.size()) ? residuals_[b] : at::Tensor();
  }

  // No-sync scopes nest; while one is open, backward only accumulates locally.
  void enterNoSync();
  void exitNoSync();

  // Called by the hook on parameter `index` once its gradient is accumulated.
  void markReady(int index);

  // Called at the end of each reduced backward with every bucket's timing, on
  // the thread that ends backward. Without one, nothing is timed per bucket.
  void setBucketObserver(std::function<void(const BucketTiming&)> observer);
  CommTiming lastCommTiming();

 private:
  Reducer(std::vector<at::Tensor> params, std::vector<std::string> names, Communicator& comm,
          std::vector<BucketSpec> plan, Compression compress);
  void installHooks();
  void startIteration();
  bool gradIsView(int param) const;
  // Copies the parameter's .grad() into its view, scaled by 1/world, and
  // points .grad() there.
  void adopt(int param);
  void scaleInPlace(int param);  // a gradient autograd added into its view
  void stage(int bucket);        // fills the bucket's slots and flags before its allreduce
  void launchReadyBuckets();
  void finishIteration();  // the engine callback at the end of backward

  struct Bucket {
    at::Tensor flat;          // spec.numel gradient elements, then one used-flag per parameter
    int pending = 0;          // parameters not yet reported in this backward
    std::vector<char> ready;  // per slot
    WorkPtr work;
    std::chrono::steady_clock::time_point issued;  // set only with an observer
  };
  struct Slot {
    int bucket = -1;
    int index = -1;  // position within the bucket
  };

  std::vector<at::Tensor> params_;
  std::vector<std::string> names_;
  Communicator& comm_;
  std::vector<BucketSpec> plan_;
  std::vector<Bucket> buckets_;
  std::vector<Slot> slots_;        // per parameter
  std::vector<at::Tensor> views_;  // per parameter: its slot, shaped like it
  std::vector<char> used_;         // per parameter: a gradient since the last reduction
  std::vector<char> scaled_;       // per parameter: its view holds it scaled by 1/world
  double scale_ = 1;               // 1/world
  at::Tensor scale_tensor_;        // scale_ as a 0-dim double (a scalar to ATen)
  Compression compress_ = Compression::kNone;
  std::vector<at::Tensor> residuals_;  // per bucket, with compression
  std::vector<std::shared_ptr<torch::autograd::Node>> accumulators_;
  std::vector<uintptr_t> hook_keys_;

  std::mutex mutex_;  // hooks may fire on autograd worker threads
  int no_sync_depth_ = 0;
  bool in_iteration_ = false;
  int next_launch_ = 0;  // buckets start in index order
  int64_t iteration_ = 0;
  std::function<void(const BucketTiming&)> observer_;
  CommTiming last_timing_;
};

}  // namespace cohort
