// Helpers shared by the checkpoint tests: a temporary folder every rank knows,
// a small model whose state covers parameters and buffers (an int64 one too),
// and ways for the ranks to agree on what rank 0 saw.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/linear.h>

#include <filesystem>
#include <string>

#include "cohort/checkpoint/checkpointer.h"
#include "cohort/comm/communicator.h"
#include "cohort/optim/fused_optimizer.h"

namespace cohort::test {

namespace fs = std::filesystem;

// A fresh folder made by rank 0 (under $TMPDIR or /tmp) whose name every rank
// receives. Collective to create and to destroy: rank 0 removes it once every
// rank is done with it.
class SharedTempDir {
 public:
  explicit SharedTempDir(Communicator& comm);
  ~SharedTempDir();
  SharedTempDir(const SharedTempDir&) = delete;
  SharedTempDir& operator=(const SharedTempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  Communicator& comm_;
  fs::path path_;
};

// Rank 0's value of `mine` on every rank.
bool rank0Says(Communicator& comm, bool mine);
std::string rank0Text(Communicator& comm, const std::string& mine);

// Linear, then BatchNorm1d (running_mean, running_var and the int64
// num_batches_tracked), then a Linear of `out` outputs.
struct SmallNet : torch::nn::Module {
  explicit SmallNet(int64_t hidden = 7, int64_t out = 3, const std::string& head_name = "head");
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Linear fc{nullptr};
  torch::nn::BatchNorm1d bn{nullptr};
  torch::nn::Linear head{nullptr};
};

// One training step of `net` (in train mode, so the BatchNorm buffers move)
// on a batch drawn from the default CPU generator.
void trainStep(SmallNet& net, optim::FusedOptimizer& optimizer);

// Whether two tensors have the same dtype, shape and bytes (NaN payloads included).
bool sameBytes(const at::Tensor& a, const at::Tensor& b);

// Flips one bit of `file` at `offset` (the middle of the file when negative).
void flipBit(const fs::path& file, int64_t offset = -1);

// Deep copies of `tensors` (detached), to compare with after they change.
checkpoint::NamedTensors cloneAll(const checkpoint::NamedTensors& tensors);

// A policy that keeps every checkpoint, saving in the background when `async`.
checkpoint::CheckpointPolicy keepAll(bool async);

// The folder name CHECKPOINTS/latest holds ("" when there is none).
std::string readLatest(const fs::path& checkpoints);

}  // namespace cohort::test
