// Reducer: averages gradients over all ranks while backward is still running.
//
// Note [Gradient buckets]
// Each parameter's gradient accumulator gets a post hook. When a parameter's
// gradient is final for this backward pass, the hook copies it, scaled by
// 1/world size, into its slot of a flat bucket (see planBuckets). When every
// parameter of a bucket is in, the bucket's allreduce starts on the comm
// thread, so communication overlaps the rest of backward. Buckets start
// strictly in index order: every rank issues the same collectives in the same
// order (Note [Collective order]) however its backward is scheduled.
//
// Note [Unused parameters]
// A parameter may get no gradient in an iteration on some ranks (a branch not
// taken). No flag is needed: at the end of backward (an autograd engine
// callback) the slots of parameters that did not report are zeroed and their
// buckets start. Each bucket carries one extra element per parameter, 1 if the
// rank used it; after the sum, a parameter no rank used keeps its gradient as
// it was (undefined, as in single-process training), and one that some rank
// used gets the average.
#pragma once

#include <ATen/core/Tensor.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cohort/comm/communicator.h"
#include "cohort/ddp/bucket_plan.h"

namespace torch::autograd {
struct Node;
}

namespace cohort {

class Reducer : public std::enable_shared_from_this<Reducer> {
 public:
  // `params` must be distinct leaf tensors that require grad.
  static std::shared_ptr<Reducer> create(std::vector<at::Tensor> params,
                                         std::vector<std::string> names, Communicator& comm,
                                         int64_t first_cap_bytes, int64_t cap_bytes);
  ~Reducer();

  const std::vector<BucketSpec>& plan() const { return plan_; }

  // No-sync scopes nest; while one is open, backward only accumulates locally.
  void enterNoSync();
  void exitNoSync();

  // Called by the hook on parameter `index` once its gradient is accumulated.
  void markReady(int index);

 private:
  Reducer(std::vector<at::Tensor> params, std::vector<std::string> names, Communicator& comm,
          std::vector<BucketSpec> plan);
  void installHooks();
  void startIteration();
  void copyIn(int bucket, int slot);
  void launchReadyBuckets();
  void launch(int bucket);
  void finishIteration();  // the engine callback at the end of backward
  void copyOut(int bucket);

  struct Bucket {
    at::Tensor flat;           // spec.numel gradient elements, then one used-flag per parameter
    int pending = 0;           // parameters not yet reported this iteration
    std::vector<char> ready;   // per slot
    WorkPtr work;
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
  std::vector<Slot> slots_;  // per parameter
  std::vector<std::shared_ptr<torch::autograd::Node>> accumulators_;
  std::vector<uintptr_t> hook_keys_;

  std::mutex mutex_;  // hooks may fire on autograd worker threads
  int no_sync_depth_ = 0;
  bool in_iteration_ = false;
  int next_launch_ = 0;  // buckets start in index order
  int64_t iteration_ = 0;
};

}  // namespace cohort
