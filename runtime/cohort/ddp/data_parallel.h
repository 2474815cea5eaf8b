// DataParallel: wraps a libtorch module so that every backward pass leaves
// each parameter's gradient averaged over all ranks.
//
//   auto net = std::make_shared<Net>();
//   cohort::DataParallel dp(net, rt.comm());      // rank 0's weights everywhere
//   torch::optim::SGD opt(net->parameters(), ...);
//   opt.zero_grad(); loss.backward(); opt.step();  // gradients are averaged
//
// At construction it checks that every rank has the same parameters (names,
// shapes, dtypes) and broadcasts rank 0's parameters and buffers. Gradients are
// reduced in buckets while backward is still running (see Reducer).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cohort/comm/communicator.h"
#include "cohort/ddp/bucket_plan.h"
#include "cohort/ddp/model_check.h"
#include "cohort/ddp/timing.h"

namespace torch::nn {
class Module;
}

namespace cohort {

class Reducer;
class Stepper;

// What DataParallel::checkGradients() found in the reduced gradients.
struct GradientReport {
  int64_t iteration = 0;    // reductions done so far
  double norm = 0;          // global L2 norm of the finite elements
  uint64_t non_finite = 0;  // NaN and infinite elements
  // For each bucket holding a non-finite element: its index and its parameters.
  std::vector<std::pair<int, std::vector<std::string>>> bad_buckets;

  bool finite() const { return non_finite == 0; }
  std::string describe() const;  // "3 non-finite gradient elements in bucket 1 (fc.weight, ...)"
};

struct DataParallelOptions {
  // Bucket caps in MiB; 0 takes COHORT_FIRST_BUCKET_MB / COHORT_BUCKET_MB
  // (defaults 1 and 25).
  double first_bucket_mib = 0;
  double bucket_mib = 0;
  // One copy of the parameters per machine, shared by its ranks, each of
  // which then updates 1/L of them (Note [Shared parameters]): for float32
  // CPU modules trained with cohort's optimizers, built after DataParallel.
  // Where memory cannot be shared (NCCL, one rank per machine,
  // COHORT_SHM=off), each rank keeps its own copy as usual.
  bool share_parameters = false;
  // How gradients travel between machines (Note [Compressed buckets]): none
  // (float32), bf16 or fp16 with error feedback; unset: COHORT_COMPRESS
  // (default none). Compression needs float32 parameters.
  std::optional<Compression> compress;
};

class DataParallel {
 public:
  // Reduces over `comm` -- for a module on a GPU, over the runtime's NCCL
  // communicator for that GPU instead (comm(device)), so the same trainer code
  // runs on CPUs and GPUs. Every parameter must be on one device.
  DataParallel(std::shared_ptr<torch::nn::Module> module, Communicator& comm,
               DataParallelOptions options = {});
  // The same, over the current runtime's communicator for the module's device.
  explicit DataParallel(std::shared_ptr<torch::nn::Module> module,
                        DataParallelOptions options = {});
  ~DataParallel();
  DataParallel(const DataParallel&) = delete;
  DataParallel& operator=(const DataParallel&) = delete;

  torch::nn::Module& module() { return *module_; }
  // The communicator the gradients are reduced over.
  Communicator& comm() { return *comm_; }
  // Whether the parameters are shared by the ranks of this machine.
  bool sharesParameters() const { return shares_parameters_; }
  // How gradients travel between machines.
  Compression compression() const;
  // Bucket b's error-feedback residuals (float32, twice the bucket's size;
  // Note [Compressed buckets]), or an undefined tensor without compression.
  // Each rank's differ; they are part of the training state.
  at::Tensor residual(int b) const;
  // The residuals as TrainState::rank_state wants them ("residual-B"); none
  // without compression. Resuming bitwise needs them in the checkpoint.
  NamedTensors rankState() const;

  // While a NoSync guard lives, backward passes only accumulate gradients
  // locally; the first backward after it ends reduces the accumulated sum.
  class NoSync {
   public:
    explicit NoSync(Reducer& reducer);
    ~NoSync();
    NoSync(const NoSync&) = delete;
    NoSync& operator=(const NoSync&) = delete;

   private:
    Reducer& reducer_;
  };
  NoSync noSync() { return NoSync(*reducer_); }

  // Checks the reduced gradients (every rank finds the same): their global norm
  // and any NaN or infinity, located by bucket. On a GPU this waits for the
  // reduction. See optim::LossScaler, which skips steps by it.
  GradientReport checkGradients();

  // The buckets, in the order they are reduced (for tests and logs).
  const std::vector<BucketSpec>& buckets() const;

  // Timing for logs (see Reducer): a callback per bucket allreduce, and the
  // last iteration's communication time. Without an observer nothing is timed
  // per bucket.
  void setBucketObserver(std::function<void(const BucketTiming&)> observer);
  CommTiming lastCommTiming() const;

 private:
  std::shared_ptr<torch::nn::Module> module_;
  Communicator* comm_ = nullptr;
  bool shares_parameters_ = false;
  std::shared_ptr<Reducer> reducer_;
  std::unique_ptr<Stepper> checker_;  // runs the gradient check on the module's device
};

}  // namespace cohort
